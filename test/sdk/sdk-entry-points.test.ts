/**
 * Every image entry point of the builder against a real Kiln server and real registries on
 * loopback: `fromPythonImage`, `fromNodeImage` and `fromDebianImage` resolve to Docker Hub names,
 * served here by a local mirror (a busybox image under each name); `fromImage` with credentials
 * pulls from a private registry over TLS with Basic auth.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildError, Template, type ConnectionOptions } from '../../packages/sdk/src/index.ts';
import { KEY_A, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { busyboxImage } from '../fixtures/images/test-images.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';

let mirror: RegistryFixture;
let secured: RegistryFixture;
let kiln: KilnFixture;
let conn: ConnectionOptions;

before(async () => {
  mirror = await startRegistry({ auth: 'none' });
  secured = await startRegistry({ auth: 'basic', tls: true });
  const image = await busyboxImage('gzip');
  for (const [repo, tag] of [['library/python', '3.12-slim'], ['library/node', '22-slim'], ['library/debian', 'bookworm']]) {
    await pushImage(mirror, repo, tag, image);
  }
  await pushImage(secured, 'private/busybox', '1', image, { username: secured.username!, password: secured.password! });
  kiln = await startKiln({
    KILN_WORKER: 'embedded',
    KILN_INSECURE_REGISTRIES: mirror.host,
    KILN_REGISTRY_CA_FILES: secured.caCertPath!,
    KILN_REGISTRY_MIRRORS: `docker.io=${mirror.host}`,
    KILN_REGISTRY_MIRRORS_ONLY: 'true',
  });
  conn = { apiKey: KEY_A, apiUrl: kiln.url };
});
after(async () => {
  await kiln?.close();
  await mirror?.stop();
  await secured?.stop();
});

describe('builder entry points', () => {
  test('fromPythonImage, fromNodeImage and fromDebianImage build on python:3.12-slim, node:22-slim and debian:bookworm', async () => {
    const entries = [
      ['sdk-python', Template.fromPythonImage()],
      ['sdk-node', Template.fromNodeImage()],
      ['sdk-debian', Template.fromDebianImage()],
    ] as const;
    for (const [name, base] of entries) {
      const info = await Template.build(base.runCmd(`echo ${name} > /which`), name, conn);
      assert.equal(info.status, 'ready');
      assert.equal(info.source_type, 'declarative');
      assert.equal((await rootfsEntries(kiln, info.build_id)).get('which')?.content, `${name}\n`);
    }
  });

  test('fromImage with credentials pulls a private image; without them the build fails with registry_auth_failed', async () => {
    const ref = `${secured.host}/private/busybox:1`;
    const info = await Template.build(Template.fromImage(ref, { auth: { username: secured.username!, password: secured.password! } }).runCmd('echo private > /which'), 'sdk-private', conn);
    assert.equal(info.requires_base_image_auth, true);
    assert.equal((await rootfsEntries(kiln, info.build_id)).get('which')?.content, 'private\n');

    await assert.rejects(Template.build(Template.fromImage(ref).runCmd('true'), 'sdk-private-anon', conn), (err: unknown) => {
      assert.ok(err instanceof BuildError, String(err));
      assert.equal(err.code, 'registry_auth_failed');
      assert.equal(err.phase, 'preparing');
      return true;
    });
  });
});
