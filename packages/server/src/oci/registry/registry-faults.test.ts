/** Faults a real registry cannot be made to produce, injected by an in-test HTTP server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { KilnError } from '../../errors/errors.ts';
import type { ImageReference } from '../image-reference.ts';
import { MEDIA_TYPES, type Descriptor } from '../oci-types.ts';
import { RegistryClient } from './registry-client.ts';
import {
  blobBytes, digestOf, serveBytes, serveThenDrop, startFaultServer, type FaultHandler, type FaultServer,
} from './fault-server.test-helper.ts';

const BLOB = blobBytes(3 * 1024 * 1024 + 17);
const BLOB_DESC: Descriptor = { mediaType: MEDIA_TYPES.ociLayerGzip, digest: digestOf(BLOB), size: BLOB.length };
const MANIFEST = Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest,
  config: { mediaType: MEDIA_TYPES.ociConfig, digest: digestOf('{}'), size: 2 }, layers: [BLOB_DESC],
}));

/** Runs `fn` with a fault server, a client that speaks HTTP to it, and a temp dir; cleans up after. */
async function withServer(
  handler: FaultHandler,
  fn: (ctx: { srv: FaultServer; client: RegistryClient; ref: ImageReference; dir: string }) => Promise<void>,
  opts: { retries?: number; timeoutMs?: number } = {},
): Promise<void> {
  const srv = await startFaultServer(handler);
  const client = new RegistryClient({ insecure: new Set([srv.host]), retryDelayMs: 5, retries: opts.retries ?? 4, timeoutMs: opts.timeoutMs ?? 5000 });
  const dir = await mkdtemp(join(tmpdir(), 'kiln-registry-faults-'));
  try {
    await fn({ srv, client, ref: { registry: srv.host, repository: 'kiln/test', tag: 'v1', digest: undefined }, dir });
  } finally {
    await client.close();
    await srv.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<KilnError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KilnError, `expected a KilnError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.phase, 'preparing');
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('503 twice, then 200: the manifest request is retried', async () => {
  let n = 0;
  await withServer((req, res) => {
    if (++n <= 2) { res.writeHead(503); res.end(); return; }
    res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest });
    res.end(MANIFEST);
  }, async ({ srv, client, ref }) => {
    const m = await client.getManifest(ref);
    assert.equal(m.digest, digestOf(MANIFEST));
    assert.equal(m.mediaType, MEDIA_TYPES.ociManifest);
    assert.equal(srv.requests.length, 3);
  });
});

test('503 on every attempt ends in registry_unreachable after the configured attempts', async () => {
  await withServer((_req, res) => { res.writeHead(503); res.end(); }, async ({ srv, client, ref }) => {
    await rejectsWith(client.getManifest(ref), 'registry_unreachable', /answered HTTP 503 to 3 attempts/);
    assert.equal(srv.requests.length, 3);
  }, { retries: 3 });
});

test('a connection dropped mid-blob resumes with a Range request', async () => {
  let n = 0;
  await withServer((req, res) => {
    if (++n === 1) serveThenDrop(res, BLOB, 1024 * 1024);
    else serveBytes(req, res, BLOB);
  }, async ({ srv, client, ref, dir }) => {
    const dest = join(dir, 'blob');
    await client.downloadBlob(ref, BLOB_DESC, dest);
    assert.ok((await readFile(dest)).equals(BLOB));
    assert.equal(srv.requests.length, 2);
    const range = srv.requests[1].headers.range;
    assert.match(String(range), /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(String(range))?.[0]) > 0, 'the retry resumed after the bytes already written');
    assert.deepEqual(await readdir(dir), ['blob']);
  });
});

test('a connection dropped mid-blob restarts when the server ignores Range', async () => {
  let n = 0;
  await withServer((req, res) => {
    if (++n === 1) serveThenDrop(res, BLOB, 700_000);
    else serveBytes(req, res, BLOB, false);
  }, async ({ srv, client, ref, dir }) => {
    const dest = join(dir, 'blob');
    await client.downloadBlob(ref, BLOB_DESC, dest);
    assert.ok((await readFile(dest)).equals(BLOB));
    assert.equal(srv.requests.length, 2);
  });
});

test('a transfer that stalls is timed out and resumed', async () => {
  let n = 0;
  await withServer((req, res) => {
    if (++n === 1) {
      res.writeHead(200, { 'content-length': BLOB.length });
      res.write(BLOB.subarray(0, 65536)); // then nothing more
      return;
    }
    serveBytes(req, res, BLOB);
  }, async ({ client, ref, dir }) => {
    const dest = join(dir, 'blob');
    await client.downloadBlob(ref, BLOB_DESC, dest);
    assert.ok((await readFile(dest)).equals(BLOB));
  }, { timeoutMs: 300 });
});

test('bytes that do not match the digest: digest_mismatch and nothing left at dest', async () => {
  const wrong = Buffer.from(BLOB);
  wrong[12345] ^= 0xff;
  await withServer((req, res) => serveBytes(req, res, wrong), async ({ client, ref, dir }) => {
    await rejectsWith(client.downloadBlob(ref, BLOB_DESC, join(dir, 'blob')), 'digest_mismatch', new RegExp(`expected ${BLOB_DESC.digest}`));
    assert.deepEqual(await readdir(dir), []);
  });
});

test('more bytes than the descriptor says: digest_mismatch before the excess is written', async () => {
  const longer = Buffer.concat([BLOB, Buffer.from('extra')]);
  await withServer((req, res) => serveBytes(req, res, longer, false), async ({ client, ref, dir }) => {
    await rejectsWith(client.downloadBlob(ref, BLOB_DESC, join(dir, 'blob')), 'digest_mismatch', /more than the \d+ bytes/);
    assert.deepEqual(await readdir(dir), []);
  });
});

test('a config blob with the wrong bytes is refused by getBlobBytes', async () => {
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const desc: Descriptor = { mediaType: MEDIA_TYPES.ociConfig, digest: digestOf(config), size: config.length };
  await withServer((_req, res) => { res.end(Buffer.from(config.toString().replace('amd64', 'arm64'))); }, async ({ client, ref }) => {
    await rejectsWith(client.getBlobBytes(ref, desc), 'digest_mismatch');
  });
  await withServer((_req, res) => { res.end(config); }, async ({ client, ref }) => {
    assert.ok((await client.getBlobBytes(ref, desc)).equals(config));
  });
});

test('a blob redirect to another host is followed without the Authorization header', async () => {
  const storage = await startFaultServer((req, res) => serveBytes(req, res, BLOB), '::1');
  try {
    await withServer((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('u:secret-pw').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' });
        res.end();
        return;
      }
      res.writeHead(307, { location: `${storage.url}/storage/blob?sig=abc` });
      res.end();
    }, async ({ srv, client, ref, dir }) => {
      const dest = join(dir, 'blob');
      await client.downloadBlob(ref, BLOB_DESC, dest, { username: 'u', password: 'secret-pw' });
      assert.ok((await readFile(dest)).equals(BLOB));
      assert.ok(srv.requests.some((r) => r.headers.authorization?.startsWith('Basic ')), 'the registry got credentials');
      assert.equal(storage.requests.length, 1);
      assert.equal(storage.requests[0].url, '/storage/blob?sig=abc');
      assert.equal(storage.requests[0].headers.authorization, undefined);
    });
  } finally {
    await storage.stop();
  }
});

test('a server that never answers: registry_unreachable after the retries, not a hang', { timeout: 20_000 }, async () => {
  await withServer(() => { /* never responds */ }, async ({ srv, client, ref }) => {
    await rejectsWith(client.getManifest(ref), 'registry_unreachable', /no response within 0\.2 s \(after 2 attempts\)/);
    assert.equal(srv.requests.length, 2);
  }, { retries: 2, timeoutMs: 200 });
});

test('connection refused is registry_unreachable naming the cause', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const host = `127.0.0.1:${port}`;
  const client = new RegistryClient({ insecure: new Set([host]), retries: 2, retryDelayMs: 5 });
  try {
    await rejectsWith(client.getManifest({ registry: host, repository: 'a/b', tag: 'x', digest: undefined }),
      'registry_unreachable', new RegExp(`Registry ${host} could not be reached: connection refused`));
  } finally {
    await client.close();
  }
});

test('speaking HTTPS to a plain-HTTP registry hints at KILN_INSECURE_REGISTRIES', async () => {
  const srv = await startFaultServer((_req, res) => { res.end('plain'); });
  const client = new RegistryClient({ retries: 1 });
  try {
    await rejectsWith(client.ping(srv.host), 'registry_unreachable', /KILN_INSECURE_REGISTRIES/);
  } finally {
    await client.close();
    await srv.stop();
  }
});

test('a reader slower than the timeout is not a stalled transfer: no retry', async () => {
  await withServer((req, res) => serveBytes(req, res, BLOB), async ({ srv, client, ref, dir }) => {
    const blob = client.streamBlob(ref, BLOB_DESC, join(dir, 'blob'));
    let n = 0;
    for await (const chunk of blob.chunks()) {
      n += chunk.byteLength;
      // Far longer than the timeout between reads, with the rest of the body waiting unread.
      if (n === chunk.byteLength) await new Promise((resolve) => setTimeout(resolve, 900));
    }
    await blob.finish();
    assert.equal(n, BLOB.length);
    assert.ok((await readFile(join(dir, 'blob'))).equals(BLOB));
    assert.equal(srv.requests.length, 1);
  }, { timeoutMs: 300 });
});

test('a streamed blob that does not match its digest: the last read fails, and nothing is left', async () => {
  const wrong = Buffer.from(BLOB);
  wrong[BLOB.length - 1] ^= 0xff;
  await withServer((req, res) => serveBytes(req, res, wrong), async ({ client, ref, dir }) => {
    const blob = client.streamBlob(ref, BLOB_DESC, join(dir, 'blob'));
    let n = 0;
    const reading = (async () => { for await (const chunk of blob.chunks()) n += chunk.byteLength; })();
    await rejectsWith(reading, 'digest_mismatch');
    assert.equal(n, BLOB.length, 'every byte was handed out before the check');
    await rejectsWith(blob.finish(), 'digest_mismatch');
    assert.deepEqual(await readdir(dir), []);
  });
});
