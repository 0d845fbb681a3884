import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { packTar } from '../../context/archive-fixtures.ts';
import { describeTree, packPax, withRootfs } from './layer-fixtures.ts';

const T = new Date(1_600_000_000_000);


describe('applyLayer: entry types and metadata', () => {
  test('files, directories, symlinks and hard links with modes, owners and times', () => withRootfs(async (r) => {
    const layer = await packPax([
      { name: 'usr/', type: 'directory', mode: 0o755, mtime: T },
      { name: 'usr/bin/', type: 'directory', mode: 0o1777, uid: 7, gid: 8, mtime: T },
      { name: 'usr/bin/tool', content: 'binary', mode: 0o4755, uid: 1234, gid: 5678, mtime: T },
      { name: 'usr/bin/sg', content: 'x', mode: 0o2711, mtime: T },
      { name: 'usr/bin/sh', type: 'symlink', linkname: '/bin/busybox', uid: 3, gid: 4, mtime: T },
      { name: 'usr/bin/tool2', type: 'link', linkname: 'usr/bin/tool', mode: 0o4755, uid: 1234, gid: 5678, mtime: T },
    ]);
    const stats = await r.apply(layer);
    assert.deepEqual(
      { entries: stats.entries, files: stats.files, dirs: stats.dirs, symlinks: stats.symlinks, hardlinks: stats.hardlinks },
      { entries: 6, files: 2, dirs: 2, symlinks: 1, hardlinks: 1 },
    );
    assert.equal(stats.bytes, layer.byteLength);
    assert.equal(stats.contentBytes, 7);
    assert.deepEqual(await describeTree(r.rootfs, true), [
      'd usr 755 0:0 t=1600000000',
      'd usr/bin 1777 7:8 t=1600000000',
      'f usr/bin/sg 2711 0:0 "x" n1 t=1600000000',
      'l usr/bin/sh -> /bin/busybox 3:4 t=1600000000',
      'f usr/bin/tool 4755 1234:5678 "binary" n2 t=1600000000',
      'f usr/bin/tool2 4755 1234:5678 "binary" n2 t=1600000000',
    ]);
    const a = await lstat(join(r.rootfs, 'usr/bin/tool'));
    const b = await lstat(join(r.rootfs, 'usr/bin/tool2'));
    assert.equal(a.ino, b.ino);
  }));

  test('PAX records: long names, large ids, fractional mtime; xattrs are counted as skipped', () => withRootfs(async (r) => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const stats = await r.apply(await packPax([
      { name: long, content: 'deep', pax: { 'SCHILY.xattr.security.capability': 'AQAAAgAgAAAAAAAAAAAAAAAAAAA=' } },
      { name: 'ids', content: 'i', pax: { uid: '3000000000', gid: '3000000001', mtime: '1600000000.5' } },
    ]));
    assert.equal(stats.xattrsSkipped, 1);
    assert.equal(await readFile(join(r.rootfs, long), 'utf8'), 'deep');
    const st = await lstat(join(r.rootfs, 'ids'));
    assert.equal(st.uid, 3_000_000_000);
    assert.equal(st.gid, 3_000_000_001);
    assert.equal(st.mtimeMs, 1_600_000_000_500);
  }));

  test('a file larger than the in-memory threshold is streamed intact', () => withRootfs(async (r) => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    await r.apply(await packTar([{ name: 'big.bin', content: big, mode: 0o600 }]), { chunk: 65536 });
    assert.deepEqual(await readFile(join(r.rootfs, 'big.bin')), big);
    assert.equal((await lstat(join(r.rootfs, 'big.bin'))).mode & 0o777, 0o600);
  }));

  test('missing parents are created 0755; the root entry sets the root directory mode', () => withRootfs(async (r) => {
    await r.apply(await packPax([{ name: './', type: 'directory', mode: 0o700 }, { name: 'a/b/c.txt', content: 'c' }]));
    assert.equal((await lstat(r.rootfs)).mode & 0o777, 0o700);
    assert.equal((await lstat(join(r.rootfs, 'a/b'))).mode & 0o777, 0o755);
    assert.equal(await readFile(join(r.rootfs, 'a/b/c.txt'), 'utf8'), 'c');
  }));
});

describe('applyLayer: layers on layers', () => {
  test('a hard link to a file from an earlier layer shares its inode', () => withRootfs(async (r) => {
    await r.apply(await packTar([{ name: 'bin/busybox', content: 'bb', mode: 0o755 }]));
    await r.apply(await packTar([{ name: 'sbin/init', type: 'link', linkname: '/bin/busybox', mode: 0o755 }]));
    const a = await lstat(join(r.rootfs, 'bin/busybox'));
    const b = await lstat(join(r.rootfs, 'sbin/init'));
    assert.equal(a.ino, b.ino);
    assert.equal(a.nlink, 2);
  }));

  test('a hard link resolves its target through a symlinked directory inside the root', () => withRootfs(async (r) => {
    await r.apply(await packTar([{ name: 'usr/lib/libc.so', content: 'libc' }, { name: 'lib', type: 'symlink', linkname: '/usr/lib' }]));
    await r.apply(await packTar([{ name: 'libc-copy', type: 'link', linkname: 'lib/libc.so' }]));
    assert.equal((await lstat(join(r.rootfs, 'libc-copy'))).ino, (await lstat(join(r.rootfs, 'usr/lib/libc.so'))).ino);
  }));

  test('whiteouts remove a file and a whole tree from lower layers; they are never written', () => withRootfs(async (r) => {
    await r.apply(await packTar([
      { name: 'etc/motd', content: 'hi' }, { name: 'etc/keep', content: 'k' },
      { name: 'opt/app/lib/x.so', content: 'x' }, { name: 'opt/app/bin/y', content: 'y' },
    ]));
    const stats = await r.apply(await packTar([{ name: 'etc/.wh.motd' }, { name: 'opt/.wh.app' }, { name: 'opt/.wh.never-existed' }]));
    assert.equal(stats.whiteouts, 3);
    assert.deepEqual(await describeTree(r.rootfs), ['d etc 755 0:0', 'f etc/keep 644 0:0 "k" n1', 'd opt 755 0:0']);
  }));

  test('a whiteout does not hide what the same layer writes', () => withRootfs(async (r) => {
    await r.apply(await packTar([{ name: 'a', content: 'same layer' }, { name: '.wh.a' }]));
    assert.equal(await readFile(join(r.rootfs, 'a'), 'utf8'), 'same layer');
  }));

  test('an opaque directory keeps what its own layer adds, before and after the marker', () => withRootfs(async (r) => {
    await r.apply(await packTar([
      { name: 'd/old1', content: '1' }, { name: 'd/sub/old2', content: '2' }, { name: 'd/sub/keep-not', content: '3' },
      { name: 'other/stays', content: 's' },
    ]));
    const stats = await r.apply(await packTar([
      { name: 'd/', type: 'directory' },
      { name: 'd/before', content: 'b' },
      { name: 'd/sub/new', content: 'n' },
      { name: 'd/.wh..wh..opq' },
      { name: 'd/after', content: 'a' },
    ]));
    assert.equal(stats.opaqueDirs, 1);
    assert.deepEqual((await describeTree(r.rootfs)).map((l) => l.split(' ')[1]), ['d', 'd/after', 'd/before', 'd/sub', 'd/sub/new', 'other', 'other/stays']);
  }));

  test('replacement: non-directories replace anything, a directory over a directory keeps its children', () => withRootfs(async (r) => {
    await r.apply(await packTar([
      { name: 'dir-to-file/child', content: 'c' },
      { name: 'dir-stays/child', content: 'c' },
      { name: 'file-to-dir', content: 'f' },
      { name: 'file-to-link', content: 'f' },
      { name: 'link-to-file', type: 'symlink', linkname: r.canaryFile },
      { name: 'file-to-file', content: 'old' },
      { name: 'shared', content: 'shared' },
      { name: 'shared-link', type: 'link', linkname: 'shared' },
    ]));
    await r.apply(await packTar([
      { name: 'dir-to-file', content: 'now a file' },
      { name: 'dir-stays/', type: 'directory', mode: 0o700 },
      { name: 'file-to-dir/', type: 'directory' },
      { name: 'file-to-link', type: 'symlink', linkname: 'target' },
      { name: 'link-to-file', content: 'replaced the link, not its target' },
      { name: 'file-to-file', content: 'new' },
      { name: 'shared', content: 'replaced' },
    ]));
    assert.deepEqual(await describeTree(r.rootfs), [
      'd dir-stays 700 0:0',
      'f dir-stays/child 644 0:0 "c" n1',
      'f dir-to-file 644 0:0 "now a file" n1',
      'd file-to-dir 755 0:0',
      'f file-to-file 644 0:0 "new" n1',
      'l file-to-link -> target 0:0',
      'f link-to-file 644 0:0 "replaced the link, not its target" n1',
      'f shared 644 0:0 "replaced" n1',
      'f shared-link 644 0:0 "shared" n1',
    ]);
    assert.equal(await readFile(join(r.rootfs, 'shared-link'), 'utf8'), 'shared', 'the other name of a replaced hard link keeps the old content');
  }));

  test('dev/, proc/ and sys/ contents are skipped, device nodes there included; the directories are kept', () => withRootfs(async (r) => {
    const stats = await r.apply(await packTar([
      { name: 'dev/', type: 'directory' }, { name: 'dev/null', type: 'character-device' }, { name: 'dev/console', type: 'character-device' },
      { name: 'proc/', type: 'directory' }, { name: 'proc/1/status', content: 'x' }, { name: 'sys/kernel', type: 'directory' },
    ]));
    assert.equal(stats.skipped, 4);
    assert.deepEqual(await describeTree(r.rootfs), ['d dev 755 0:0', 'd proc 755 0:0']);
  }));

  test('a file written through a symlinked parent from an earlier layer lands inside the root', () => withRootfs(async (r) => {
    await mkdir(join(r.rootfs, 'usr/lib'), { recursive: true });
    await symlink('usr/lib', join(r.rootfs, 'lib'));
    await writeFile(join(r.rootfs, 'usr/lib/old'), 'o');
    await r.apply(await packTar([{ name: 'lib/new.so', content: 'n' }, { name: 'lib/sub/deeper', content: 'd' }]));
    assert.deepEqual((await readdir(join(r.rootfs, 'usr/lib'))).sort(), ['new.so', 'old', 'sub']);
    assert.equal(await readlink(join(r.rootfs, 'lib')), 'usr/lib');
  }));
});

describe('applyLayer: where small entries are written', () => {
  const layer = async () => packPax([
    { name: 'etc/', type: 'directory', mode: 0o750, uid: 3, gid: 4, mtime: T },
    ...Array.from({ length: 600 }, (_, i) => ({ name: `etc/f${i}`, content: `${i}`.repeat(i % 7), mode: i % 2 ? 0o4755 : 0o600, uid: i % 5, gid: 9, mtime: T })),
    { name: 'etc/link', type: 'symlink', linkname: 'f1', uid: 5, gid: 6, mtime: T },
    { name: 'etc/f2', content: 'written twice: the second one stays', mtime: T },
    { name: 'etc/hard', type: 'link', linkname: 'etc/f3', mtime: T },
  ]);

  test('a worker thread and the calling thread write the same tree', async () => {
    const trees: string[][] = [];
    for (const writes of ['worker', 'inline'] as const) {
      await withRootfs(async (r) => {
        await r.apply(await layer(), { writes });
        trees.push(await describeTree(r.rootfs, true));
      });
    }
    assert.equal(trees[0].length, 603);
    assert.ok(trees[0].includes('f etc/f2 644 0:0 "written twice: the second one stays" n1 t=1600000000'));
    assert.ok(trees[0].includes('f etc/f5 4755 0:9 "55555" n1 t=1600000000'));
    assert.ok(trees[0].includes('f etc/f3 644 3:9 "333" n2 t=1600000000'), 'the hard link set its header\'s mode on the shared inode');
    assert.ok(trees[0].includes('l etc/link -> f1 5:6 t=1600000000'));
    assert.deepEqual(trees[1], trees[0]);
  });

  for (const writes of ['worker', 'inline'] as const) {
    test(`a write that fails in a batch fails the layer naming its entry (${writes})`, () => withRootfs(async (r) => {
      const long = 'x'.repeat(300);
      const err = await r.apply(await packPax([{ name: 'a', content: 'a' }, { name: long, content: 'too long a name' }, { name: 'b', content: 'b' }]), { writes })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof KilnError, String(err));
      assert.equal(err.code, 'invalid_layer');
      assert.match(err.message, /entry "xxxx.*ENAMETOOLONG/);
      assert.ok(!err.message.includes(r.rootfs), 'host paths stay out of the message');
    }));
  }
});
