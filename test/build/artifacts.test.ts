import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startKiln, KEY_B, type KilnFixture } from '../fixtures/kiln-server.ts';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { BUSYBOX_CONFIG, busyboxLayer } from '../fixtures/images/test-images.ts';
import { buildImage, buildLayer } from '../fixtures/images/oci-image-writer.ts';
import { collectExpiredArtifacts } from '../../packages/server/src/build/artifacts/retention-collector.ts';
import { OciLayoutStore } from '../../packages/server/src/oci/image-store/oci-layout-store.ts';

let kiln: KilnFixture;
let dataDir: string;
let reg: RegistryFixture;
let scratch: string;

const MIB = 1024 * 1024;
const BUSYBOX = { base_image: 'kiln/busybox', build_config: { disk_mb: 256 } };

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  // busybox plus one 270 MiB file: more than the smallest disk_mb (256) can hold.
  const big = await buildLayer([{ name: 'big.bin', content: Buffer.alloc(270 * MIB, 0x61) }]);
  await pushImage(reg, 'kiln/big', '1', buildImage({ config: BUSYBOX_CONFIG, layers: [await busyboxLayer('gzip'), big] }));
  dataDir = await dataDirWithBusybox();
  scratch = await mkdtemp(path.join(tmpdir(), 'kiln-artifacts-test-'));
  kiln = await startKiln({ KILN_WORKER: 'embedded', KILN_INSECURE_REGISTRIES: reg.host }, { dataDir });
});
after(async () => {
  await kiln?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (scratch) await rm(scratch, { recursive: true, force: true });
  await reg?.stop();
});

async function build(body: Record<string, unknown>) {
  const res = await kiln.request('POST', '/v1/templates/builds', { body });
  assert.equal(res.status, 202, res.text);
  return waitForBuild(kiln, res.body.build_id);
}

const get = async (id: string) => (await kiln.request('GET', `/v1/templates/builds/${id}`)).body;
const ext4Of = (artifactId: string) => path.join(dataDir, 'artifacts', artifactId, 'rootfs.ext4');
const debugfs = (file: string, cmd: string) => execFileSync('debugfs', ['-R', cmd, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
type Entry = { kind: string; phase?: string; cache_kind?: string; cache_status?: string; cache_reason?: string };

/** The cache_summary counters the build's `cache` log entries add up to. */
function countedFromLog(b: { log_entries: Entry[] }): Record<string, number> {
  const names: Record<string, string> = { hit: 'hits', miss: 'misses', bypass: 'bypasses', stored: 'stores' };
  const out: Record<string, number> = {};
  for (const kind of ['final_artifact', 'layer', 'file_blob']) for (const c of Object.values(names)) out[`${kind}_${c}`] = 0;
  for (const e of b.log_entries) if (e.kind === 'cache') out[`${e.cache_kind}_${names[e.cache_status!]}`]++;
  return out;
}

describe('build artifacts: the ext4 image, the OCI image and the rootfs download', () => {
  let first: any;

  test('a ready build has an ext4 image of disk_mb MiB holding its root filesystem, and an OCI image named after it', async () => {
    first = await build({ name: 'bb-art', ...BUSYBOX, tags: ['v1'] });
    assert.equal(first.status, 'ready', JSON.stringify(first.log_entries));
    assert.deepEqual(first.artifact_availability, { available: true, reason: null });
    assert.deepEqual(first.promotability, { promotable: true, reason: null });
    assert.equal(first.artifact_ids.length, 1);
    assert.match(first.artifact_ids[0], /^art_/);
    assert.equal(first.retention_expires_at, null, 'a tagged artifact does not expire');
    assert.ok(first.log_entries.some((e: Entry & { message: string }) => e.phase === 'finalize' && /ext4 image/.test(e.message)));
    assert.deepEqual(countedFromLog(first), first.cache_summary);
    assert.equal(first.cache_summary.final_artifact_misses, 1);
    assert.equal(first.cache_summary.final_artifact_stores, 1);

    const file = ext4Of(first.artifact_ids[0]);
    assert.equal((await stat(file)).size, 256 * MIB);
    const bin = debugfs(file, 'ls -l /bin');
    assert.match(bin, /busybox/);
    assert.match(bin, / sh\s*$/m);
    assert.match(debugfs(file, 'cat /etc/passwd'), /^root:x:0:0:/m);

    const index = JSON.parse(await readFile(path.join(dataDir, 'oci', 'index.json'), 'utf8'));
    const named = index.manifests.find((m: any) => m.annotations?.['org.opencontainers.image.ref.name'] === `kiln-build-${first.build_id}`);
    assert.ok(named, 'the OCI image is named kiln-build-<build_id>');
  });

  test('?format=tar streams the root filesystem as a tar a user can list', async () => {
    const res = await fetch(`${kiln.url}/v1/templates/builds/${first.build_id}/artifact?format=tar`, { headers: { authorization: `Bearer test-key-tenant-a-0123456789` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-tar');
    const bytes = Buffer.from(await res.arrayBuffer());
    const listing = spawnSync('tar', ['-tvf', '-'], { input: bytes, encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stderr);
    assert.match(listing.stdout, /^-rwxr-xr-x 0\/0 .* bin\/busybox$/m);
    assert.match(listing.stdout, /^lrwxrwxrwx 0\/0 .* bin\/sh -> \/bin\/busybox$/m);
    assert.match(listing.stdout, /^drwxrwxrwt 0\/0 .* tmp\/$/m);

    const files = await rootfsEntries(kiln, first.build_id);
    assert.match(files.get('etc/passwd')?.content ?? '', /^root:x:0:0:/);
  });

  test('?format=ext4 downloads the image with its length', async () => {
    const res = await fetch(`${kiln.url}/v1/templates/builds/${first.build_id}/artifact?format=ext4`, { headers: { authorization: `Bearer test-key-tenant-a-0123456789` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(256 * MIB));
    const file = path.join(scratch, 'downloaded.ext4');
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
    assert.match(debugfs(file, 'cat /etc/passwd'), /^root:x:0:0:/m);
  });

  test('an identical build is a final_artifact hit: ready with the same artifact without running, and the counters add up', async () => {
    const again = await build({ name: 'bb-art', ...BUSYBOX, tags: ['v1'] });
    assert.equal(again.status, 'ready', JSON.stringify(again.log_entries));
    assert.deepEqual(again.artifact_ids, first.artifact_ids);
    assert.equal(again.cache_summary.final_artifact_hits, 1);
    assert.equal(again.cache_summary.final_artifact_stores, 0);
    assert.deepEqual(countedFromLog(again), again.cache_summary);
    assert.ok(!again.log_entries.some((e: Entry) => e.phase === 'preparing'), 'the executor did not run');
    assert.deepEqual(again.runtime_defaults, first.runtime_defaults);
    assert.deepEqual(again.tags, ['v1']);
    assert.deepEqual((await get(first.build_id)).tags, [], 'the tag moved to the new build');
  });

  test('skip_cache bypasses the whole-build cache and makes a new artifact', async () => {
    const fresh = await build({ name: 'bb-art', ...BUSYBOX, tags: ['v1'], skip_cache: true });
    assert.equal(fresh.status, 'ready', JSON.stringify(fresh.log_entries));
    const bypass = fresh.log_entries.find((e: Entry) => e.kind === 'cache' && e.cache_kind === 'final_artifact');
    assert.deepEqual([bypass.cache_status, bypass.cache_reason, bypass.phase], ['bypass', 'whole_build_skip_cache', 'cache']);
    assert.equal(fresh.cache_summary.final_artifact_bypasses, 1);
    assert.equal(fresh.cache_summary.final_artifact_hits, 0);
    assert.notDeepEqual(fresh.artifact_ids, first.artifact_ids);
    assert.deepEqual(countedFromLog(fresh), fresh.cache_summary);
  });

  test('a root filesystem larger than disk_mb fails in finalize with rootfs_too_large, naming its size', async () => {
    const b = await build({ name: 'too-big', base_image: `${reg.host}/kiln/big:1`, build_config: { disk_mb: 256 } });
    assert.equal(b.status, 'error', JSON.stringify(b.log_entries));
    assert.equal(b.failure_phase, 'finalize');
    assert.equal(b.error_detail.code, 'rootfs_too_large');
    assert.equal(b.error_detail.phase, 'finalize');
    assert.match(b.error_detail.message, /holds 27\d\.\d MiB of data/);
    assert.match(b.error_detail.message, /disk_mb = 256 MiB/);
    assert.match(b.error_detail.message, /Raise build_config\.disk_mb to at least \d+/);
    assert.deepEqual(b.artifact_availability, { available: false, reason: 'build_failed' });
    assert.deepEqual(b.artifact_ids, []);

    const download = await kiln.request('GET', `/v1/templates/builds/${b.build_id}/artifact?format=tar`);
    assert.equal(download.status, 409);
    assert.equal(download.body.code, 'artifact_unavailable');
    assert.match(download.body.message, /reason: build_failed/);
    const promote = await kiln.request('POST', `/v1/templates/builds/${b.build_id}/promote`, { body: { tag: 'stable' } });
    assert.equal(promote.status, 409);
    assert.equal(promote.body.code, 'build_not_promotable');
    assert.match(promote.body.message, /reason: build_failed/);
  });
});

describe('promote and retention', () => {
  let a: any;
  let b: any;

  test('promote moves a tag to this build atomically; the build it left is untagged and starts to expire', async () => {
    a = await build({ name: 'promo', ...BUSYBOX, tags: ['stable'] });
    b = await build({ name: 'promo', ...BUSYBOX, start_cmd: 'sleep 1', tags: ['next'] });
    assert.equal(a.status, 'ready');
    assert.equal(b.status, 'ready');
    assert.notDeepEqual(a.artifact_ids, b.artifact_ids);

    const res = await kiln.request('POST', `/v1/templates/builds/${b.build_id}/promote`, { body: { tag: 'stable' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([...res.body.build.tags].sort(), ['next', 'stable']);
    assert.equal(res.body.build.retention_expires_at, null);
    const left = await get(a.build_id);
    assert.deepEqual(left.tags, []);
    assert.equal(left.artifact_availability.available, true);
    const expires = Date.parse(left.retention_expires_at);
    assert.ok(expires > Date.now() + 167 * 3600_000 && expires <= Date.now() + 168 * 3600_000, left.retention_expires_at);

    const bad = await kiln.request('POST', `/v1/templates/builds/${b.build_id}/promote`, { body: { tag: 'tb_reserved' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_tags');
    const none = await kiln.request('POST', `/v1/templates/builds/${b.build_id}/promote`, { body: {} });
    assert.equal(none.status, 400);
  });

  test('the retention collector deletes an expired untagged artifact and keeps a tagged one', async () => {
    const later = new Date(Date.now() + 169 * 3600_000);
    const collected = await collectExpiredArtifacts({ store: kiln.server.store, images: new OciLayoutStore(dataDir), dataDir }, later);
    assert.ok(collected.includes(a.artifact_ids[0]), JSON.stringify(collected));
    assert.ok(!collected.includes(b.artifact_ids[0]));
    await assert.rejects(stat(ext4Of(a.artifact_ids[0])), { code: 'ENOENT' });
    assert.ok((await stat(ext4Of(b.artifact_ids[0]))).isFile());

    const gone = await get(a.build_id);
    assert.deepEqual(gone.artifact_availability, { available: false, reason: 'artifact_expired' });
    assert.deepEqual(gone.promotability, { promotable: false, reason: 'artifact_expired' });
    const download = await kiln.request('GET', `/v1/templates/builds/${a.build_id}/artifact?format=ext4`);
    assert.equal(download.status, 409);
    assert.match(download.body.message, /reason: artifact_expired/);
    const promote = await kiln.request('POST', `/v1/templates/builds/${a.build_id}/promote`, { body: { tag: 'stable' } });
    assert.equal(promote.status, 409);
    assert.match(promote.body.message, /reason: artifact_expired/);
    assert.deepEqual((await get(b.build_id)).artifact_availability, { available: true, reason: null });
  });

  test('another tenant gets 404 for the artifact and for promote, exactly like a missing build', async () => {
    const artifact = await kiln.request('GET', `/v1/templates/builds/${b.build_id}/artifact`, { key: KEY_B });
    const missing = await kiln.request('GET', '/v1/templates/builds/tb_doesnotexist/artifact', { key: KEY_B });
    assert.equal(artifact.status, 404);
    assert.equal(artifact.body.code, 'not_found');
    assert.equal(missing.status, 404);
    const promote = await kiln.request('POST', `/v1/templates/builds/${b.build_id}/promote`, { body: { tag: 'mine' }, key: KEY_B });
    assert.equal(promote.status, 404);
    assert.equal(promote.body.code, 'not_found');
    assert.deepEqual((await get(b.build_id)).tags.sort(), ['next', 'stable']);
  });
});
