import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ContextFile } from '../../store/store.ts';
import { KilnError } from '../../errors/errors.ts';
import { materializeContext } from './materialize-context.ts';

let dir: string;
let blobs: string;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const file = (p: string, content: string, mode = 0o644): ContextFile => ({ path: p, type: 'file', mode, size: content.length, sha256: sha(content) });

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kiln-materialize-'));
  blobs = path.join(dir, 'blobs');
  await mkdir(blobs);
  for (const c of ['hello\n', '#!/bin/sh\n']) await writeFile(path.join(blobs, sha(c)), c);
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

const blobPath = (h: string) => path.join(blobs, h);
let n = 0;
const out = () => path.join(dir, `ctx-${n++}`);

test('files, directories and symlinks land with their modes, inside the directory', async () => {
  const dest = out();
  const written = await materializeContext([
    { path: 'app', type: 'dir', mode: 0o750, size: 0 },
    file('app/run.sh', '#!/bin/sh\n', 0o755),
    file('app/deep/hello.txt', 'hello\n'),
    { path: 'app/link', type: 'symlink', mode: 0o777, size: 0, target: 'deep/hello.txt' },
  ], dest, blobPath);
  assert.deepEqual(written, { files: 3, bytes: 16 });
  assert.equal(await readFile(path.join(dest, 'app/deep/hello.txt'), 'utf8'), 'hello\n');
  assert.equal((await lstat(path.join(dest, 'app/run.sh'))).mode & 0o777, 0o755);
  assert.equal((await lstat(path.join(dest, 'app'))).mode & 0o777, 0o750);
  assert.equal(await readlink(path.join(dest, 'app/link')), 'deep/hello.txt');
});

test('entries that would leave the directory or pass through a symlink are refused before anything is written', async () => {
  const cases: ContextFile[][] = [
    [file('../escape.txt', 'hello\n')],
    [file('/etc/escape.txt', 'hello\n')],
    [{ path: 'up', type: 'symlink', mode: 0o777, size: 0, target: '../../etc' }],
    [{ path: 'abs', type: 'symlink', mode: 0o777, size: 0, target: '/etc' }],
    [{ path: 'lnk', type: 'symlink', mode: 0o777, size: 0, target: 'sub' }, file('lnk/through.txt', 'hello\n')],
  ];
  for (const files of cases) {
    const dest = out();
    await assert.rejects(materializeContext([file('first.txt', 'hello\n'), ...files], dest, blobPath), (err: unknown) => err instanceof KilnError && err.code === 'invalid_context', JSON.stringify(files));
    assert.deepEqual(await readdir(dest), [], 'nothing was written');
  }
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('escape')), []);
  assert.equal(await lstat('/etc/escape.txt').catch(() => null), null);
});
