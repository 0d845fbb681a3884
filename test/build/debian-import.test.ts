import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { debianMinbaseImage, debootstrapAvailable } from '../fixtures/images/debian-base.ts';
import { runKiln } from '../fixtures/run-cli.ts';

let reg: RegistryFixture;
let dir: string;
before(async () => {
  reg = await startRegistry();
  dir = await mkdtemp(path.join(tmpdir(), 'kiln-debian-'));
});
after(async () => {
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the Debian minbase image imports from the registry into a working root filesystem', async (t) => {
  if (!debootstrapAvailable()) return t.skip('debootstrap is not installed (npm test installs it when run as root)');
  await pushImage(reg, 'debian', 'bookworm', await debianMinbaseImage());
  const out = path.join(dir, 'rootfs');
  const r = await runKiln(['image', 'import', `${reg.host}/debian:bookworm`, '--output', out, '--json'], { KILN_DATA_DIR: path.join(dir, 'data'), KILN_INSECURE_REGISTRIES: reg.host });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.ok(result.bytes_applied > 50 * 1024 * 1024, `unpacked ${result.bytes_applied} bytes`);
  assert.match(await readFile(path.join(out, 'etc/os-release'), 'utf8'), /VERSION_CODENAME=bookworm/);
  for (const f of ['usr/bin/apt-get', 'usr/bin/dpkg', 'usr/lib/x86_64-linux-gnu/libc.so.6']) {
    if (process.arch === 'x64' || !f.includes('x86_64')) assert.ok((await lstat(path.join(out, f))).isFile() || (await lstat(path.join(out, f))).isSymbolicLink(), f);
  }
  assert.equal((await lstat(path.join(out, 'usr/bin/su'))).mode & 0o4000, 0o4000, 'setuid bits survive');
});
