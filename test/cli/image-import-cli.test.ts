import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { busyboxImage, hostileImage } from '../fixtures/images/test-images.ts';
import { runKiln } from '../fixtures/run-cli.ts';

let reg: RegistryFixture;
let dir: string;
let env: Record<string, string>;

before(async () => {
  reg = await startRegistry({ auth: 'basic', tls: true });
  const auth = { username: reg.username!, password: reg.password! };
  await pushImage(reg, 'kiln/busybox', '1', await busyboxImage('zstd'), auth);
  await pushImage(reg, 'kiln/evil', '1', await hostileImage('absolute-symlink-escape'), auth);
  dir = await mkdtemp(path.join(tmpdir(), 'kiln-cli-'));
  env = { KILN_DATA_DIR: path.join(dir, 'data'), KILN_REGISTRY_CA_FILES: reg.caCertPath! };
});
after(async () => {
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('kiln image import unpacks an image and prints layers, bytes and time', async () => {
  const out = path.join(dir, 'rootfs');
  const r = await runKiln(['image', 'import', `${reg.host}/kiln/busybox:1`, '--output', out, '--username', reg.username!], env, `${reg.password}\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /downloaded +[0-9a-f]{12} /);
  assert.match(r.stdout, /applied +[0-9a-f]{12} \d+ entries/);
  assert.match(r.stdout, /1 layers, [\d.]+ MiB downloaded, 0 from cache, [\d.]+ MiB unpacked, in [\d.]+ s/);
  assert.ok((await lstat(path.join(out, 'bin/busybox'))).isFile());
  assert.ok(!r.stdout.includes(reg.password!) && !r.stderr.includes(reg.password!));

  const again = await runKiln(['image', 'import', `${reg.host}/kiln/busybox:1`, '--output', path.join(dir, 'again'), '--username', reg.username!, '--json'], env, reg.password);
  assert.equal(again.code, 0, again.stderr);
  const result = JSON.parse(again.stdout);
  assert.equal(result.layers[0].cached, true);
  assert.equal(result.bytes_downloaded, 0);
});

test('kiln image import refuses without credentials, and refuses a hostile image leaving the host untouched', async () => {
  const denied = await runKiln(['image', 'import', `${reg.host}/kiln/busybox:1`, '--output', path.join(dir, 'denied')], env);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /registry_auth_failed/);

  const evil = await runKiln(['image', 'import', `${reg.host}/kiln/evil:1`, '--output', path.join(dir, 'evil'), '--username', reg.username!], env, reg.password);
  if (evil.code === 0) {
    // Resolved inside the root, as a chroot would: nothing outside it may change.
    await assert.rejects(lstat('/etc/passwd_overwrite'));
  } else {
    assert.match(evil.stderr, /archive_path_escape/);
  }
  await assert.rejects(lstat('/etc/passwd_overwrite'));
});
