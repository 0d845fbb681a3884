import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { resolveUser } from './resolve-user.ts';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  '# a comment line',
  'broken-line',
  'app:x:1000:1001:App:/home/app:/bin/sh',
  '1234:x:4321:50::/:/bin/sh',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'daemon:x:1:', 'staff:x:50:', 'app:x:1001:', 'web:x:2000:app', ''].join('\n');

let dir: string;
let rootfs: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-user-'));
  rootfs = join(dir, 'rootfs');
  // /etc is a symlink inside the image, and the host's /etc must never be read instead.
  await mkdir(join(rootfs, 'usr/etc'), { recursive: true });
  await symlink('/usr/etc', join(rootfs, 'etc'));
  await writeFile(join(rootfs, 'usr/etc/passwd'), PASSWD);
  await writeFile(join(rootfs, 'usr/etc/group'), GROUP);
});

after(() => rm(dir, { recursive: true, force: true }));

function unknownUser(pattern: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof KilnError && err.code === 'unknown_image_user' && pattern.test(err.message);
}

describe('resolveUser', () => {
  test('empty means root', async () => {
    assert.deepEqual(await resolveUser(rootfs, ''), { uid: 0, gid: 0, user: '', name: 'root', group: 'root' });
  });

  test('user: a name takes its uid and primary gid', async () => {
    assert.deepEqual(await resolveUser(rootfs, 'app'), { uid: 1000, gid: 1001, user: 'app', name: 'app', group: 'app', home: '/home/app' });
  });

  test('uid: a number is always a uid (never the name "1234"), with its primary gid when known', async () => {
    assert.deepEqual(await resolveUser(rootfs, '1000'), { uid: 1000, gid: 1001, user: '1000', name: 'app', group: 'app', home: '/home/app' });
    assert.deepEqual(await resolveUser(rootfs, '1234'), { uid: 1234, gid: 0, user: '1234', group: 'root' });
  });

  test('uid missing from passwd: allowed, gid 0 (as runc does)', async () => {
    assert.deepEqual(await resolveUser(rootfs, '65000'), { uid: 65000, gid: 0, user: '65000', group: 'root' });
  });

  test('user:group, user:gid, uid:group, uid:gid', async () => {
    assert.deepEqual(await resolveUser(rootfs, 'app:web'), { uid: 1000, gid: 2000, user: 'app:web', name: 'app', group: 'web', home: '/home/app' });
    assert.deepEqual(await resolveUser(rootfs, 'app:50'), { uid: 1000, gid: 50, user: 'app:50', name: 'app', group: 'staff', home: '/home/app' });
    assert.deepEqual(await resolveUser(rootfs, '1:web'), { uid: 1, gid: 2000, user: '1:web', name: 'daemon', group: 'web', home: '/usr/sbin' });
    assert.deepEqual(await resolveUser(rootfs, '5000:6000'), { uid: 5000, gid: 6000, user: '5000:6000' });
  });

  test('an unknown user or group name is unknown_image_user naming it and the file', async () => {
    await assert.rejects(resolveUser(rootfs, 'nobody'), unknownUser(/"nobody".*\/etc\/passwd/));
    await assert.rejects(resolveUser(rootfs, 'app:nogroup'), unknownUser(/"nogroup".*\/etc\/group/));
    await assert.rejects(resolveUser(rootfs, '1000:nogroup'), unknownUser(/"nogroup"/));
  });

  test('ids beyond 2^31-1 are refused', async () => {
    await assert.rejects(resolveUser(rootfs, '4294967296'), unknownUser(/outside/));
  });

  test('an image without /etc/passwd allows numeric ids only', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    assert.deepEqual(await resolveUser(empty, '10:20'), { uid: 10, gid: 20, user: '10:20' });
    await assert.rejects(resolveUser(empty, 'root'), unknownUser(/"root"/));
  });

  test('a passwd symlinked to the host is read inside the root', async () => {
    const other = join(dir, 'other');
    await mkdir(join(other, 'etc'), { recursive: true });
    await symlink('/etc/passwd', join(other, 'etc/passwd-host'));
    await symlink(join(rootfs, 'usr/etc/passwd'), join(other, 'etc/passwd'));
    await assert.rejects(resolveUser(other, 'app'), unknownUser(/"app"/));
  });
});
