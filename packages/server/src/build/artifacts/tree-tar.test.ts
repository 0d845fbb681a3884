import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, chown, link, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import tar from 'tar-stream';
import { deviceNumbers, packTree } from './tree-tar.ts';

/** Every entry of a tar buffer, by name. */
async function entries(bytes: Buffer): Promise<Map<string, { type: string; mode: number; uid: number; gid: number; linkname: string | null; content: string; mtime: number }>> {
  const out = new Map();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => { extract.on('finish', resolve); extract.on('error', reject); });
  extract.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c as Buffer));
    stream.on('end', () => {
      out.set(h.name, { type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, linkname: h.linkname ?? null, content: Buffer.concat(chunks).toString(), mtime: h.mtime.getTime() });
      next();
    });
  });
  extract.end(bytes);
  await done;
  return out;
}

test('a tree streams as a tar with modes, owners, mtimes, symlinks and hard links; sockets are left out', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-tree-tar-'));
  const root = path.join(dir, 'root');
  const sock = createServer();
  try {
    await mkdir(path.join(root, 'bin'), { recursive: true });
    await mkdir(path.join(root, 'home/app'), { recursive: true });
    await writeFile(path.join(root, 'bin/busybox'), 'binary\n');
    await chmod(path.join(root, 'bin/busybox'), 0o4755);
    await symlink('busybox', path.join(root, 'bin/sh'));
    await symlink('/does/not/exist', path.join(root, 'dangling'));
    await link(path.join(root, 'bin/busybox'), path.join(root, 'bin/ls'));
    await writeFile(path.join(root, 'home/app/note'), 'mine\n');
    await chown(path.join(root, 'home/app/note'), 1000, 1001);
    await chown(path.join(root, 'home/app'), 1000, 1000);
    await chmod(path.join(root, 'home/app'), 0o700);
    await writeFile(path.join(root, 'empty'), '');
    await utimes(path.join(root, 'empty'), 1_600_000_000, 1_600_000_000);
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    await new Promise<void>((resolve) => sock.listen(path.join(root, 'socket'), resolve));

    const bytes = await buffer(packTree(root));
    const e = await entries(bytes);
    assert.deepEqual([...e.keys()], ['bin/', 'bin/busybox', 'bin/ls', 'bin/sh', 'dangling', 'empty', 'home/', 'home/app/', 'home/app/note', 'pipe']);
    assert.equal(e.get('bin/busybox')?.content, 'binary\n');
    assert.equal(e.get('bin/busybox')?.mode, 0o4755);
    assert.deepEqual([e.get('bin/ls')?.type, e.get('bin/ls')?.linkname], ['link', 'bin/busybox']);
    assert.deepEqual([e.get('bin/sh')?.type, e.get('bin/sh')?.linkname], ['symlink', 'busybox']);
    assert.equal(e.get('dangling')?.linkname, '/does/not/exist');
    assert.deepEqual([e.get('home/app/note')?.uid, e.get('home/app/note')?.gid], [1000, 1001]);
    assert.deepEqual([e.get('home/app/')?.type, e.get('home/app/')?.mode, e.get('home/app/')?.uid], ['directory', 0o700, 1000]);
    assert.equal(e.get('empty')?.mtime, 1_600_000_000_000);
    assert.equal(e.get('pipe')?.type, 'fifo');

    // What a user sees with the host's tar.
    const listing = spawnSync('tar', ['-tvf', '-'], { input: bytes, encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stderr);
    assert.match(listing.stdout, /^-rwsr-xr-x 0\/0 +7 .* bin\/busybox$/m);
    assert.match(listing.stdout, /^hrwsr-xr-x .* bin\/ls link to bin\/busybox$/m);
    assert.match(listing.stdout, /^lrwxrwxrwx .* bin\/sh -> busybox$/m);
    assert.match(listing.stdout, /^-rw-r--r-- 1000\/1001 .* home\/app\/note$/m);
  } finally {
    sock.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('device numbers are split from st_rdev as the kernel encodes them', () => {
  assert.deepEqual(deviceNumbers(0), { devmajor: 0, devminor: 0 });
  assert.deepEqual(deviceNumbers((1 << 8) | 3), { devmajor: 1, devminor: 3 });
  assert.deepEqual(deviceNumbers(0x12 | (259 << 8) | (0x34500 << 12)), { devmajor: 259, devminor: 0x34512 });
});
