import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { overlayLayers } from './artifact-fixtures.ts';
import { isMountPoint } from './readonly-overlay.ts';
import { suggestedDiskMb, writeExt4Image } from './ext4-image.ts';
import { measureTree } from './tree-size.ts';

const debugfs = (file: string, cmd: string) => execFileSync('debugfs', ['-R', cmd, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-ext4-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a tree becomes an ext4 image of disk_mb, its files readable with debugfs', () => withDir(async (dir) => {
  const root = path.join(dir, 'root');
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await writeFile(path.join(root, 'etc/hostname'), 'kiln\n');
  const file = path.join(dir, 'rootfs.ext4');
  const res = await writeExt4Image({ layers: [root], file, diskMb: 64, mountpoint: path.join(dir, 'mnt') });
  assert.equal(res.bytes, 64 * 1024 * 1024);
  assert.equal((await stat(file)).size, res.bytes);
  assert.ok(res.used && res.used.inodes >= 13 && res.used.bytes > 0 && res.used.bytes < res.bytes, JSON.stringify(res.used));
  assert.equal(debugfs(file, 'cat /etc/hostname'), 'kiln\n');
}));

test('several layers are merged through a read-only overlay: whiteouts and opaque directories apply, and it is unmounted after', async () => {
  const layers = await overlayLayers('mkdir -p d gone; echo x > d/x; echo f > f; echo k > gone/k', 'rm -rf d; mkdir d; echo new > d/new; rm f; rm -r gone');
  try {
    const file = path.join(layers.dir, 'rootfs.ext4');
    const mountpoint = path.join(layers.dir, 'mnt');
    await writeExt4Image({ layers: [layers.lower, layers.upper], file, diskMb: 32, mountpoint });
    const root = debugfs(file, 'ls -p /');
    assert.match(root, /\/d\//);
    assert.doesNotMatch(root, /\/f\/|\/gone\//);
    assert.match(debugfs(file, 'ls -p /d'), /\/new\//);
    assert.doesNotMatch(debugfs(file, 'ls -p /d'), /\/x\//);
    assert.equal(await isMountPoint(mountpoint), false);
  } finally {
    await layers.cleanup();
  }
});

test('a tree larger than disk_mb fails with rootfs_too_large, naming its size and the disk_mb to set', () => withDir(async (dir) => {
  const root = path.join(dir, 'root');
  await mkdir(root);
  await writeFile(path.join(root, 'big'), randomBytes(20 * 1024 * 1024));
  const file = path.join(dir, 'rootfs.ext4');
  await assert.rejects(writeExt4Image({ layers: [root], file, diskMb: 8, mountpoint: path.join(dir, 'mnt') }), (err: unknown) => {
    assert.ok(err instanceof KilnError);
    assert.equal(err.code, 'rootfs_too_large');
    assert.equal(err.phase, 'finalize');
    assert.match(err.message, /20\.0 MiB of data in 2 files and directories/);
    assert.match(err.message, /disk_mb = 8 MiB/);
    assert.match(err.message, /Raise build_config\.disk_mb to at least 256/);
    return true;
  });
  await assert.rejects(stat(file), { code: 'ENOENT' }, 'no partial image is left');
}));

test('a tree that fits disk_mb only without ext4\'s own metadata fails the same way (mkfs runs out of room)', () => withDir(async (dir) => {
  const root = path.join(dir, 'root');
  await mkdir(root);
  await writeFile(path.join(root, 'almost'), randomBytes(7.5 * 1024 * 1024));
  const file = path.join(dir, 'rootfs.ext4');
  await assert.rejects(writeExt4Image({ layers: [root], file, diskMb: 8, mountpoint: path.join(dir, 'mnt') }), { code: 'rootfs_too_large' });
}));

test('measureTree counts data bytes and inodes, hard links once', () => withDir(async (dir) => {
  await writeFile(path.join(dir, 'a'), Buffer.alloc(5000, 1));
  execFileSync('ln', [path.join(dir, 'a'), path.join(dir, 'b')]);
  execFileSync('ln', ['-s', 'a', path.join(dir, 'c')]);
  await mkdir(path.join(dir, 'sub'));
  const size = await measureTree(dir);
  assert.deepEqual(size, { bytes: 5001, inodes: 4 });
  assert.equal(suggestedDiskMb({ bytes: 10 * 1024 ** 3, inodes: 1000 }), 12416);
  assert.equal(suggestedDiskMb({ bytes: 1000, inodes: 3 }), 256);
}));
