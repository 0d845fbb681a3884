/** The registry client against the real registry (docker-registry) fixture: anonymous, Basic over TLS, Bearer tokens, mirrors. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RegistryFixture } from '../../../../../test/fixtures/registry/registry-server.ts';
import { pushImage } from '../../../../../test/fixtures/images/push-image.ts';
import { busyboxImage, multiPlatformIndex, schema1Image } from '../../../../../test/fixtures/images/test-images.ts';
import { KilnError } from '../../errors/errors.ts';
import { parseImageReference, type ImageReference } from '../image-reference.ts';
import type { ImageConfig, ImageIndex, ImageManifest } from '../oci-types.ts';
import { MEDIA_TYPES } from '../oci-types.ts';
import { selectPlatform } from '../platform-select.ts';
import { RegistryClient } from './registry-client.ts';

function ref(text: string): ImageReference {
  const r = parseImageReference(text);
  assert.equal(typeof r, 'object', String(r));
  return r as ImageReference;
}

async function failure(p: Promise<unknown>, code: string): Promise<KilnError> {
  try { await p; } catch (e) {
    assert.ok(e instanceof KilnError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.phase, 'preparing');
    return e;
  }
  assert.fail(`expected ${code}`);
}

async function fileDigest(path: string): Promise<string> {
  return `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
}

describe('anonymous registry over HTTP', () => {
  let reg: RegistryFixture;
  let client: RegistryClient;
  let dir: string;
  let indexDigest: string;
  let busyboxDigest: string;
  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    dir = await mkdtemp(join(tmpdir(), 'kiln-registry-it-'));
    client = new RegistryClient({ insecure: new Set([reg.host]), retryDelayMs: 20 });
    indexDigest = await pushImage(reg, 'kiln/multi', '1', await multiPlatformIndex('oci'));
    await pushImage(reg, 'kiln/multi-docker', '1', await multiPlatformIndex('docker'));
    busyboxDigest = await pushImage(reg, 'library/busybox', '1', await busyboxImage('gzip', 'docker'));
    await pushImage(reg, 'kiln/old', '1', await schema1Image('kiln/old', '1'));
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('ping answers for the registry', async () => {
    await client.ping(reg.host);
  });

  test('index -> platform manifest -> config -> layers, all verified', async () => {
    const r = ref(`${reg.host}/kiln/multi:1`);
    const idx = await client.getManifest(r);
    assert.equal(idx.mediaType, MEDIA_TYPES.ociIndex);
    assert.equal(idx.digest, indexDigest);
    const chosen = selectPlatform(idx.manifest as ImageIndex, { architecture: 'amd64' });
    const m = await client.getManifestByDigest(r, chosen.digest);
    assert.equal(m.mediaType, MEDIA_TYPES.ociManifest);
    assert.equal(m.digest, chosen.digest);
    const manifest = m.manifest as ImageManifest;
    const config = JSON.parse((await client.getBlobBytes(r, manifest.config)).toString()) as ImageConfig;
    assert.equal(config.architecture, 'amd64');
    assert.equal(config.os, 'linux');
    for (const layer of manifest.layers) {
      const dest = join(dir, layer.digest.replace(':', '-'));
      await client.downloadBlob(r, layer, dest);
      assert.equal(await fileDigest(dest), layer.digest);
    }
  });

  test('a Docker manifest list resolves the same way', async () => {
    const r = ref(`${reg.host}/kiln/multi-docker:1`);
    const idx = await client.getManifest(r);
    assert.equal(idx.mediaType, MEDIA_TYPES.dockerManifestList);
    const chosen = selectPlatform(idx.manifest as ImageIndex, { architecture: 'arm64', variant: 'v8' });
    const m = await client.getManifestByDigest(r, chosen.digest);
    assert.equal(m.mediaType, MEDIA_TYPES.dockerManifest);
  });

  test('a reference by digest is fetched and verified by that digest', async () => {
    const m = await client.getManifest(ref(`${reg.host}/library/busybox@${busyboxDigest}`));
    assert.equal(m.digest, busyboxDigest);
    assert.equal(m.mediaType, MEDIA_TYPES.dockerManifest);
  });

  test('a missing tag or repository is base_image_not_found naming the reference', async () => {
    const e = await failure(client.getManifest(ref(`${reg.host}/kiln/multi:nope`)), 'base_image_not_found');
    assert.match(e.message, new RegExp(`${reg.host}/kiln/multi:nope`));
    await failure(client.getManifest(ref(`${reg.host}/kiln/absent:1`)), 'base_image_not_found');
  });

  test('a schema 1 manifest is unsupported_manifest', async () => {
    const e = await failure(client.getManifest(ref(`${reg.host}/kiln/old:1`)), 'unsupported_manifest');
    assert.match(e.message, /schema 1/);
  });

  test('docker.io/library/busybox:1 through a mirror mapping docker.io to the registry', async () => {
    const mirrored = new RegistryClient({ insecure: new Set([reg.host]), mirrors: { 'docker.io': [reg.host] }, mirrorsOnly: true });
    try {
      const r = ref('busybox:1');
      assert.equal(r.registry, 'docker.io');
      const m = await mirrored.getManifest(r);
      assert.equal(m.digest, busyboxDigest);
      const layer = (m.manifest as ImageManifest).layers[0];
      const dest = join(dir, 'mirrored-layer');
      await mirrored.downloadBlob(r, layer, dest);
      assert.equal(await fileDigest(dest), layer.digest);
      const missing = await failure(mirrored.getManifest(ref('busybox:absent')), 'base_image_not_found');
      assert.match(missing.message, /docker\.io\/library\/busybox:absent/);
    } finally {
      await mirrored.close();
    }
  });

  test('several blobs download in parallel over one client', async () => {
    const r = ref(`${reg.host}/kiln/multi:1`);
    const idx = (await client.getManifest(r)).manifest as ImageIndex;
    const manifests = await Promise.all(idx.manifests.map((d) => client.getManifestByDigest(r, d.digest)));
    const layers = [...new Map(manifests.flatMap((m) => (m.manifest as ImageManifest).layers).map((l) => [l.digest, l])).values()];
    assert.ok(layers.length >= 4, `expected several distinct layers, got ${layers.length}`);
    const pdir = join(dir, 'parallel');
    await Promise.all(layers.map((l) => client.downloadBlob(r, l, join(pdir, l.digest.slice(7)))));
    for (const l of layers) assert.equal(await fileDigest(join(pdir, l.digest.slice(7))), l.digest);
    assert.equal((await readdir(pdir)).length, layers.length, 'no temp files left behind');
  });
});

describe('Basic auth over TLS with the fixture CA', () => {
  let reg: RegistryFixture;
  let client: RegistryClient;
  let digest: string;
  before(async () => {
    reg = await startRegistry({ auth: 'basic', tls: true });
    digest = await pushImage(reg, 'kiln/private', '1', await busyboxImage('zstd', 'oci'));
    client = new RegistryClient({ caCerts: [reg.caCert as string], retryDelayMs: 20 });
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
  });

  test('the right credentials read manifest and blobs', async () => {
    const auth = { username: reg.username as string, password: reg.password as string };
    await client.ping(reg.host, auth);
    const r = ref(`${reg.host}/kiln/private:1`);
    const m = await client.getManifest(r, auth);
    assert.equal(m.digest, digest);
    const cfg = await client.getBlobBytes(r, (m.manifest as ImageManifest).config, auth);
    assert.ok(cfg.length > 0);
  });

  test('a wrong password is registry_auth_failed and the password appears nowhere', async () => {
    const wrong = `wrong-${reg.password}`;
    const e = await failure(client.getManifest(ref(`${reg.host}/kiln/private:1`), { username: reg.username as string, password: wrong }), 'registry_auth_failed');
    assert.match(e.message, new RegExp(`kiln/private on registry ${reg.host}`));
    const everything = JSON.stringify({ message: e.message, stack: e.stack, problems: e.problems, e });
    assert.ok(!everything.includes(wrong) && !everything.includes(reg.password as string));
    assert.ok(!everything.includes(Buffer.from(`${reg.username}:${wrong}`).toString('base64')));
  });

  test('no credentials is registry_auth_failed asking for them', async () => {
    const e = await failure(client.getManifest(ref(`${reg.host}/kiln/private:1`)), 'registry_auth_failed');
    assert.match(e.message, /requires credentials/);
  });

  test('without the CA the TLS failure is registry_unreachable with a hint', async () => {
    const untrusting = new RegistryClient({ retries: 1 });
    try {
      const e = await failure(untrusting.ping(reg.host), 'registry_unreachable');
      assert.match(e.message, /TLS certificate is not trusted .*KILN_REGISTRY_CA_FILES/);
    } finally {
      await untrusting.close();
    }
  });
});

describe('Bearer tokens from the fixture token server', () => {
  let reg: RegistryFixture;
  let client: RegistryClient;
  let digest: string;
  before(async () => {
    reg = await startRegistry({ auth: 'token', tls: true });
    digest = await pushImage(reg, 'kiln/tokened', '1', await busyboxImage('gzip', 'oci'));
    client = new RegistryClient({ caCerts: [reg.caCert as string], retryDelayMs: 20 });
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
  });

  test('credentials earn a pull token for the repository, fetched once and reused', async () => {
    const auth = { username: reg.username as string, password: reg.password as string };
    const r = ref(`${reg.host}/kiln/tokened:1`);
    const before = reg.tokenRequests?.length ?? 0;
    const m = await client.getManifest(r, auth);
    assert.equal(m.digest, digest);
    const manifest = m.manifest as ImageManifest;
    await client.getBlobBytes(r, manifest.config, auth);
    const dir = await mkdtemp(join(tmpdir(), 'kiln-registry-token-'));
    try {
      await Promise.all(manifest.layers.map((l, i) => client.downloadBlob(r, l, join(dir, `l${i}`), auth)));
      for (const [i, l] of manifest.layers.entries()) assert.equal(await fileDigest(join(dir, `l${i}`)), l.digest);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const issued = (reg.tokenRequests ?? []).slice(before);
    assert.equal(issued.length, 1);
    assert.deepEqual(issued[0].scopes, ['repository:kiln/tokened:pull']);
    assert.equal(issued[0].account, reg.username);
  });

  test('anonymous and wrong credentials are registry_auth_failed', async () => {
    const r = ref(`${reg.host}/kiln/tokened:1`);
    const anon = await failure(client.getManifest(r), 'registry_auth_failed');
    assert.match(anon.message, /anonymous/);
    const wrong = await failure(client.getManifest(r, { username: reg.username as string, password: 'not-the-password' }), 'registry_auth_failed');
    assert.doesNotMatch(wrong.message, /not-the-password/);
  });
});
