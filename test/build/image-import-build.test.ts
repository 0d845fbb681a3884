import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { busyboxImage, fullConfigImage, multiPlatformIndex } from '../fixtures/images/test-images.ts';
import { filesContaining } from '../fixtures/search-dir.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';

let open: RegistryFixture;
let secured: RegistryFixture;
let kiln: KilnFixture;

before(async () => {
  open = await startRegistry({ auth: 'none' });
  secured = await startRegistry({ auth: 'basic', tls: true });
  await pushImage(open, 'kiln/busybox', '1', await busyboxImage('gzip'));
  await pushImage(open, 'library/busybox', '1.36', await busyboxImage('zstd'));
  await pushImage(open, 'kiln/configured', '1', await fullConfigImage());
  await pushImage(open, 'kiln/multi', '1', await multiPlatformIndex());
  await pushImage(secured, 'private/busybox', '1', await busyboxImage('none'), { username: secured.username!, password: secured.password! });
  kiln = await startKiln({
    KILN_WORKER: 'embedded',
    KILN_INSECURE_REGISTRIES: open.host,
    KILN_REGISTRY_CA_FILES: secured.caCertPath!,
    KILN_REGISTRY_MIRRORS: `docker.io=${open.host}`,
    KILN_REGISTRY_MIRRORS_ONLY: 'true',
  });
});
after(async () => {
  await kiln?.close();
  await open?.stop();
  await secured?.stop();
});

async function build(body: Record<string, unknown>) {
  const res = await kiln.request('POST', '/v1/templates/builds', { body });
  assert.equal(res.status, 202, res.text);
  return waitForBuild(kiln, res.body.build_id);
}

describe('builds from base_image alone import it in their preparing phase', () => {
  test('an anonymous registry image becomes a ready template with its files and defaults', async () => {
    const b = await build({ name: 'bb', base_image: `${open.host}/kiln/busybox:1`, start_cmd: 'sleep 1000' });
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
    assert.equal(b.source_type, 'oci_import');
    assert.ok(b.started_at && b.finished_at && b.duration_ms >= 0);
    const entries = b.log_entries;
    assert.deepEqual(entries.map((e: { offset: number }) => e.offset), entries.map((_: unknown, i: number) => i), 'offsets are dense');
    assert.equal(entries[0].kind, 'start');
    assert.ok(entries.some((e: any) => e.phase === 'preparing' && /Applied layer sha256:/.test(e.message)));
    const end = entries.at(-1);
    assert.equal(end.kind, 'end');
    assert.equal(end.result, 'ready');
    assert.equal(b.runtime_defaults.start_cmd, 'sleep 1000', 'the request wins over the image');
    assert.deepEqual(b.runtime_defaults.default_env_keys, ['PATH']);
    assert.deepEqual(b.artifact_availability, { available: true, reason: null });

    const rootfs = path.join(kiln.dataDir, 'builds', b.build_id, 'rootfs');
    assert.ok((await lstat(path.join(rootfs, 'bin/busybox'))).isFile());
    assert.equal(await readlink(path.join(rootfs, 'bin/sh')), 'busybox');
    assert.match(await readFile(path.join(rootfs, 'etc/passwd'), 'utf8'), /^app:x:1000:1000/m);
  });

  test('the image config becomes runtime defaults and OCI metadata', async () => {
    const b = await build({ name: 'configured', base_image: `${open.host}/kiln/configured:1` });
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
    assert.ok(b.runtime_defaults.start_cmd, 'Entrypoint/Cmd of the image');
    assert.ok(b.runtime_defaults.default_workdir);
    assert.ok(Object.keys(b.oci_metadata.labels).length > 0);
    assert.ok(b.oci_metadata.exposed_ports.length > 0);
    assert.ok(!JSON.stringify(b.runtime_defaults).includes('='), 'env values are never returned');
  });

  test('an index resolves to this host\'s platform', async () => {
    const b = await build({ name: 'multi', base_image: `${open.host}/kiln/multi:1` });
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
    const platform = await readFile(path.join(kiln.dataDir, 'builds', b.build_id, 'rootfs', 'platform.txt'), 'utf8');
    assert.match(platform, process.arch === 'arm64' ? /arm64/ : /amd64/);
  });

  test('Docker Hub names go through the configured mirror', async () => {
    const b = await build({ name: 'hub', base_image: 'busybox:1.36' });
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
  });

  test('a private image needs credentials; the error explains itself and the password is kept nowhere', async () => {
    const denied = await build({ name: 'private', base_image: `${secured.host}/private/busybox:1` });
    assert.equal(denied.status, 'error');
    assert.equal(denied.failure_phase, 'preparing');
    assert.equal(denied.error_detail.code, 'registry_auth_failed');
    assert.equal(denied.error_detail.phase, 'preparing');
    assert.equal(denied.error, denied.error_detail.message);
    assert.deepEqual(denied.log_entries.slice(-2).map((e: any) => e.kind), ['error', 'end']);

    const ok = await build({ name: 'private', base_image: `${secured.host}/private/busybox:1`, registry_auth: [{ registry: secured.host, auth: { username: secured.username, password: secured.password } }] });
    assert.equal(ok.status, 'ready', JSON.stringify(ok.log_entries));
    assert.equal(ok.requires_base_image_auth, true);
    assert.deepEqual(await filesContaining(kiln.dataDir, secured.password!), []);
  });

  test('a missing image fails with base_image_not_found', async () => {
    const b = await build({ name: 'missing', base_image: `${open.host}/kiln/nothing:1` });
    assert.equal(b.status, 'error');
    assert.equal(b.error_detail.code, 'base_image_not_found');
  });

  test('layers are downloaded once and reused by later builds', async () => {
    const before = (await open.requestLog()).filter((r) => r.method === 'GET' && r.path.includes('/blobs/')).length;
    const b = await build({ name: 'bb-again', base_image: `${open.host}/kiln/busybox:1` });
    assert.equal(b.status, 'ready');
    assert.ok(b.log_entries.some((e: any) => e.kind === 'cache' && e.cache_kind === 'layer' && e.cache_status === 'hit'));
    const blobGets = (await open.requestLog()).filter((r) => r.method === 'GET' && r.path.includes('/blobs/')).length - before;
    assert.equal(blobGets, 1, 'only the config blob is fetched again');
  });
});
