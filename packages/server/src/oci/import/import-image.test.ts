/** importImage against an in-test registry: layers applied while they download, resumed, refused on a digest mismatch, cancelled. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { KilnError } from '../../errors/errors.ts';
import { packTar } from '../../context/archive-fixtures.ts';
import { OciLayoutStore } from '../image-store/oci-layout-store.ts';
import { MEDIA_TYPES, type Descriptor } from '../oci-types.ts';
import { RegistryClient } from '../registry/registry-client.ts';
import { blobBytes, digestOf, serveBytes, serveThenDrop, startFaultServer, type FaultServer } from '../registry/fault-server.test-helper.ts';
import { GENEROUS, describeTree } from '../layers/layer-fixtures.ts';
import { imageSourceFor } from './image-source-for.ts';
import { importImage, type ImportEvent, type ImportOptions } from './import-image.ts';

const BIG = blobBytes(2 * 1024 * 1024 + 5);

/** The first layer: a file larger than one network chunk and many small ones (gzip). */
const LAYER_A = gzipSync(await packTar([
  { name: 'etc/', type: 'directory' },
  { name: 'etc/motd', content: 'from layer A\n' },
  { name: 'etc/gone', content: 'removed by layer B\n' },
  { name: 'bin/', type: 'directory' },
  { name: 'bin/tool', content: BIG, mode: 0o755 },
  { name: 'bin/sh', type: 'symlink', linkname: 'tool' },
  ...Array.from({ length: 300 }, (_, i) => ({ name: `data/f${i}`, content: `file ${i}\n` })),
]));
/** The second layer: replaces one file and whites out another (uncompressed). */
const LAYER_B = await packTar([
  { name: 'etc/motd', content: 'from layer B\n' },
  { name: 'etc/.wh.gone' },
]);

function desc(mediaType: string, bytes: Buffer): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.length };
}

const CONFIG = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [] } }));

function manifestOf(layers: Descriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(MEDIA_TYPES.ociConfig, CONFIG), layers }));
}

/** Serves one image at `test/img:v1`: the manifest, the config, and each layer by `serveLayer` (which sees the request count for it). */
async function registry(manifest: Buffer, layers: Map<string, (req: IncomingMessage, res: ServerResponse, n: number) => void>): Promise<FaultServer> {
  const count = new Map<string, number>();
  return startFaultServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/test/img/manifests/v1') {
      res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, 'content-length': manifest.length });
      res.end(manifest);
      return;
    }
    const digest = /^\/v2\/test\/img\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
    if (digest === digestOf(CONFIG)) return serveBytes(req, res, CONFIG);
    const serve = digest ? layers.get(digest) : undefined;
    if (!serve) {
      res.writeHead(404);
      res.end();
      return;
    }
    const n = (count.get(digest as string) ?? 0) + 1;
    count.set(digest as string, n);
    serve(req, res, n);
  });
}

interface Ctx {
  srv: FaultServer;
  store: OciLayoutStore;
  rootfs: string;
  dir: string;
  events: ImportEvent[];
  run(opts?: Partial<ImportOptions>): ReturnType<typeof importImage>;
}

async function withImport(srv: FaultServer, fn: (ctx: Ctx) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-import-'));
  const store = new OciLayoutStore(join(dir, 'data'));
  await store.init();
  const client = new RegistryClient({ insecure: new Set([srv.host]), retryDelayMs: 5, timeoutMs: 5000 });
  const events: ImportEvent[] = [];
  const rootfs = join(dir, 'rootfs');
  try {
    await fn({
      srv, store, rootfs, dir, events,
      run: (opts = {}) => importImage(imageSourceFor(`${srv.host}/test/img:v1`, { images: store, client }), {
        store, rootfs, limits: GENEROUS, onEvent: (e) => events.push(e), ...opts,
      }),
    });
  } finally {
    await client.close();
    await srv.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Files left beside the stored blobs (partial downloads). */
async function blobDirFiles(store: OciLayoutStore): Promise<string[]> {
  return (await readdir(join(store.root, 'blobs', 'sha256'))).sort();
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<KilnError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KilnError, `expected a KilnError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

for (const writes of ['worker', 'inline'] as const) {
  test(`layers are applied while they download, and a dropped transfer resumes (${writes} writes)`, async () => {
    const a = desc(MEDIA_TYPES.ociLayerGzip, LAYER_A);
    const b = desc(MEDIA_TYPES.ociLayerTar, LAYER_B);
    const srv = await registry(manifestOf([a, b]), new Map([
      [a.digest, (req, res, n) => (n === 1 ? serveThenDrop(res, LAYER_A, Math.floor(LAYER_A.length / 2)) : serveBytes(req, res, LAYER_A))],
      [b.digest, (req, res) => serveBytes(req, res, LAYER_B)],
    ]));
    await withImport(srv, async ({ store, rootfs, events, run }) => {
      const result = await run({ writes });
      assert.deepEqual(result.layers.map((l) => [l.digest, l.cached]), [[a.digest, false], [b.digest, false]]);
      assert.equal(await readFile(join(rootfs, 'etc/motd'), 'utf8'), 'from layer B\n');
      await assert.rejects(lstat(join(rootfs, 'etc/gone')));
      assert.deepEqual(await readFile(join(rootfs, 'bin/tool')), BIG);
      const tree = await describeTree(rootfs);
      assert.ok(tree.includes('l bin/sh -> tool 0:0'), tree.join('\n'));
      assert.equal(tree.filter((l) => l.startsWith('f data/f')).length, 300);
      // Both layers are stored, whole and verified, with nothing left beside them.
      assert.deepEqual(await store.read(a.digest), LAYER_A);
      assert.deepEqual(await store.read(b.digest), LAYER_B);
      assert.ok((await blobDirFiles(store)).every((f) => !f.includes('partial')));
      const blobGets = srv.requests.filter((r) => r.url.endsWith(a.digest));
      assert.equal(blobGets.length, 2);
      assert.match(String(blobGets[1].headers.range), /^bytes=[1-9]\d*-$/);
      assert.deepEqual(events.filter((e) => e.kind !== 'manifest').map((e) => `${e.kind} ${e.digest === a.digest ? 'a' : 'b'}`).sort(),
        ['layer_applied a', 'layer_applied b', 'layer_downloaded a', 'layer_downloaded b']);
    });
  });
}

test('a server that ignores Range after a drop: the bytes already applied are skipped, not applied twice', async () => {
  const a = desc(MEDIA_TYPES.ociLayerGzip, LAYER_A);
  const srv = await registry(manifestOf([a]), new Map([
    [a.digest, (req, res, n) => (n === 1 ? serveThenDrop(res, LAYER_A, 700_000) : serveBytes(req, res, LAYER_A, false))],
  ]));
  await withImport(srv, async ({ store, rootfs, run }) => {
    await run();
    assert.deepEqual(await readFile(join(rootfs, 'bin/tool')), BIG);
    assert.deepEqual(await store.read(a.digest), LAYER_A);
  });
});

test('a layer whose bytes do not match its digest fails the import, and the rootfs and the blob are discarded', async () => {
  // Same length, still a valid tar: only the digest check at the end can tell.
  const wrong = Buffer.from(LAYER_B);
  const at = wrong.indexOf('from layer B');
  wrong.write('FROM', at);
  const b = desc(MEDIA_TYPES.ociLayerTar, LAYER_B);
  const srv = await registry(manifestOf([b]), new Map([[b.digest, (req, res) => serveBytes(req, res, wrong)]]));
  await withImport(srv, async ({ store, rootfs, dir, run }) => {
    const err = await rejectsWith(run(), 'digest_mismatch');
    assert.match(err.message, new RegExp(b.digest));
    await assert.rejects(lstat(rootfs), 'the root filesystem the import created is removed');
    assert.equal(await store.has(b.digest), false);
    assert.deepEqual(await blobDirFiles(store), [digestOf(CONFIG).slice(7)]);
    // An output directory that existed before is emptied, not removed.
    await mkdir(rootfs);
    await rejectsWith(run(), 'digest_mismatch');
    assert.deepEqual(await readdir(rootfs), []);
    assert.deepEqual((await readdir(dir)).sort(), ['data', 'rootfs']);
  });
});

test('a cancelled import stops the download at once and discards the rootfs', { timeout: 10_000 }, async () => {
  const ac = new AbortController();
  const a = desc(MEDIA_TYPES.ociLayerGzip, LAYER_A);
  const srv = await registry(manifestOf([a]), new Map([[a.digest, (_req, res) => {
    res.writeHead(200, { 'content-length': LAYER_A.length });
    // Half the layer, then nothing: only the cancel can end this import before the 5 s timeout.
    res.write(LAYER_A.subarray(0, Math.floor(LAYER_A.length / 2)), () => setTimeout(() => ac.abort(), 50));
  }]]));
  await withImport(srv, async ({ store, rootfs, run }) => {
    const started = performance.now();
    await rejectsWith(run({ signal: ac.signal }), 'build_cancelled');
    assert.ok(performance.now() - started < 4000, 'the stalled transfer did not have to time out first');
    await assert.rejects(lstat(rootfs));
    assert.equal(await store.has(a.digest), false);
    assert.ok((await blobDirFiles(store)).every((f) => !f.includes('partial')));
  });
});

test('a stored layer is applied from the store without a download', async () => {
  const b = desc(MEDIA_TYPES.ociLayerTar, LAYER_B);
  const srv = await registry(manifestOf([b]), new Map([[b.digest, (req, res) => serveBytes(req, res, LAYER_B)]]));
  await withImport(srv, async ({ store, rootfs, dir, run }) => {
    await store.put(b.digest, LAYER_B);
    const result = await run();
    assert.equal(result.layers[0].cached, true);
    assert.equal(result.bytes_downloaded, 0);
    assert.equal(await readFile(join(rootfs, 'etc/motd'), 'utf8'), 'from layer B\n');
    assert.equal(srv.requests.filter((r) => r.url.endsWith(b.digest)).length, 0);
    void dir;
  });
});
