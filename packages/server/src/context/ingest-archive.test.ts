import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { zstdCompressSync } from 'node:zlib';
import { chunked, gzip, packTar, rawTar, tempStore, type FixtureEntry } from './archive-fixtures.ts';
import { DEFAULT_CONTEXT_LIMITS } from './context-limits.ts';
import { ingestArchive } from './ingest-archive.ts';
import type { IngestedContext } from './ingested-context.ts';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

async function ingest(bytes: Buffer, chunk = 777): Promise<IngestedContext> {
  const t = await tempStore();
  try {
    return await ingestArchive(chunked(bytes, chunk), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS });
  } finally {
    await t.cleanup();
  }
}

const SAMPLE: FixtureEntry[] = [
  { name: 'Dockerfile', content: 'FROM debian\nCOPY app /app\n' },
  { name: 'app/', type: 'directory' },
  { name: 'app/main.py', content: 'print("hi")\n', mode: 0o755 },
  { name: 'app/lib/util.py', content: 'X = 1\n' },
  { name: 'current', type: 'symlink', linkname: 'app/main.py' },
];

describe('ingestArchive on good archives', () => {
  test('stores each file once, content-addressed, and lists files, directories and symlinks', async () => {
    const t = await tempStore();
    try {
      const result = await ingestArchive(chunked(await packTar(SAMPLE)), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS });
      assert.deepEqual(result.files.map((f) => [f.path, f.type]), [
        ['Dockerfile', 'file'], ['app', 'dir'], ['app/lib', 'dir'], ['app/lib/util.py', 'file'], ['app/main.py', 'file'], ['current', 'symlink'],
      ]);
      const main = result.files.find((f) => f.path === 'app/main.py');
      assert.deepEqual(main, { path: 'app/main.py', type: 'file', mode: 0o755, size: 12, sha256: sha('print("hi")\n') });
      assert.deepEqual(result.files.find((f) => f.path === 'current'), { path: 'current', type: 'symlink', mode: 0o777, size: 0, target: 'app/main.py' });
      assert.equal(result.files.find((f) => f.path === 'app/lib')?.mode, 0o755, 'implicit parent directory');
      assert.equal(result.file_count, 6);
      assert.equal(result.total_bytes, 26 + 12 + 6);
      assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
      assert.deepEqual(result.ignored, []);
      assert.equal(await readFile(t.blobs.path(sha('X = 1\n')), 'utf8'), 'X = 1\n');
      assert.equal((await t.blobFiles()).length, 3);
      assert.deepEqual(await readdir(t.blobs.stagingDir), []);
    } finally {
      await t.cleanup();
    }
  });

  test('plain tar, tar.gz and tar.zst give the same digest', async () => {
    const plain = await packTar(SAMPLE);
    const a = await ingest(plain);
    const b = await ingest(gzip(plain));
    const c = await ingest(zstdCompressSync(plain));
    assert.equal(a.digest, b.digest);
    assert.equal(a.digest, c.digest);
    assert.deepEqual(a.files, c.files);
  });

  test('mtimes, owners and archive order do not change the digest', async () => {
    const a = await ingest(await packTar(SAMPLE));
    const changed = SAMPLE.map((e) => ({ ...e, mtime: new Date(0), uid: 1000 })).reverse();
    const b = await ingest(await packTar(changed));
    assert.equal(a.digest, b.digest);
  });

  test('a content change or a mode change changes the digest', async () => {
    const a = await ingest(await packTar(SAMPLE));
    const content = await ingest(await packTar(SAMPLE.map((e) => (e.name === 'app/lib/util.py' ? { ...e, content: 'X = 2\n' } : e))));
    const mode = await ingest(await packTar(SAMPLE.map((e) => (e.name === 'Dockerfile' ? { ...e, mode: 0o600 } : e))));
    assert.notEqual(a.digest, content.digest);
    assert.notEqual(a.digest, mode.digest);
  });

  test('paths are normalised: ./a//b becomes a/b, and a/../b becomes b', async () => {
    const r = await ingest(await packTar([{ name: './a//b', content: '1' }, { name: 'x/../y', content: '2' }, { name: './', type: 'directory' }]));
    assert.deepEqual(r.files.map((f) => f.path), ['a', 'a/b', 'y']);
  });

  test('a later entry with the same path wins, and a file replacing a directory drops what was below it', async () => {
    const r = await ingest(await packTar([
      { name: 'f', content: 'old' }, { name: 'f', content: 'new' },
      { name: 'd/inner', content: 'i' }, { name: 'd', content: 'now a file' },
    ]));
    assert.deepEqual(r.files.map((f) => [f.path, f.sha256]), [['d', sha('now a file')], ['f', sha('new')]]);
  });

  test('a hard link becomes a regular file with the same digest', async () => {
    const r = await ingest(await packTar([{ name: 'orig', content: 'shared', mode: 0o700 }, { name: 'sub/copy', type: 'link', linkname: './orig' }]));
    const copy = r.files.find((f) => f.path === 'sub/copy');
    assert.deepEqual(copy, { path: 'sub/copy', type: 'file', mode: 0o700, size: 6, sha256: sha('shared') });
  });

  test('symlinks that stay inside the context are kept, chains included', async () => {
    const r = await ingest(await packTar([
      { name: 'a/b/c.txt', content: 'c' },
      { name: 'a/up', type: 'symlink', linkname: '../a/b' },
      { name: 'a/b/self', type: 'symlink', linkname: '../up/c.txt' },
      { name: 'loop1', type: 'symlink', linkname: 'loop2' },
      { name: 'loop2', type: 'symlink', linkname: 'loop1' },
      { name: 'dangling', type: 'symlink', linkname: 'missing/file' },
    ]));
    assert.deepEqual(r.files.filter((f) => f.type === 'symlink').map((f) => f.path), ['a/b/self', 'a/up', 'dangling', 'loop1', 'loop2']);
  });

  test('PAX and GNU long names are read in full', async () => {
    const long = 'd'.repeat(120) + '/' + 'f'.repeat(150);
    const gnuName = 'g'.repeat(130);
    const gnu = rawTar([
      { header: { name: '././@LongLink', typeflag: 'L' }, content: Buffer.from(gnuName + '\0') },
      { header: { name: gnuName.slice(0, 100), typeflag: '0' }, content: Buffer.from('gnu') },
    ]);
    const pax = await packTar([{ name: long, content: 'pax' }]);
    assert.deepEqual((await ingest(pax)).files.map((f) => f.path), ['d'.repeat(120), long]);
    assert.deepEqual((await ingest(gnu)).files.map((f) => [f.path, f.size]), [[gnuName, 3]]);
  });

  test('a path of 2,000 directories is taken in, with every parent listed', async () => {
    const deep = Array.from({ length: 2000 }, () => 'a').join('/') + '/leaf';
    const r = await ingest(await packTar([{ name: deep, content: 'deep' }, { name: deep.replace('/leaf', '/up'), type: 'symlink', linkname: '../'.repeat(1000) + 'a' }]));
    assert.equal(r.file_count, 2002);
    assert.equal(r.files.find((f) => f.type === 'file')?.path, deep);
  });

  test('an archive with no entries is a valid, empty context', async () => {
    const r = await ingest(await packTar([]));
    assert.deepEqual(r.files, []);
    assert.equal(r.file_count, 0);
    assert.equal(r.total_bytes, 0);
    assert.match(r.digest, /^sha256:/);
    assert.equal((await ingest(gzip(Buffer.alloc(10240)))).digest, r.digest);
  });
});

describe('.dockerignore in an uploaded context', () => {
  test('excluded files are not stored and are listed; the .dockerignore itself is kept', async () => {
    const t = await tempStore();
    try {
      const r = await ingestArchive(chunked(await packTar([
        { name: '.dockerignore', content: '# build output\nnode_modules\n*.log\n!keep.log\nsecrets/\n' },
        { name: 'app.js', content: 'app' },
        { name: 'node_modules/a/index.js', content: 'dep' },
        { name: 'debug.log', content: 'log' },
        { name: 'keep.log', content: 'kept log' },
        { name: 'secrets/key', content: 'TOPSECRET' },
        { name: 'link-to-secret', type: 'symlink', linkname: 'secrets/key' },
      ])), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS });
      assert.deepEqual(r.files.map((f) => f.path), ['.dockerignore', 'app.js', 'keep.log', 'link-to-secret']);
      assert.deepEqual(r.ignored, ['debug.log', 'node_modules', 'secrets']);
      assert.equal(await t.blobs.has(sha('TOPSECRET')), false, 'excluded content is never stored');
      assert.equal(await t.blobs.has(sha('dep')), false);
      assert.equal(await t.blobs.has(sha('kept log')), true);
      assert.equal(r.total_bytes, r.files.reduce((n, f) => n + f.size, 0));
    } finally {
      await t.cleanup();
    }
  });

  test('the .dockerignore can exclude itself, and order in the archive does not matter', async () => {
    const entries: FixtureEntry[] = [{ name: 'a.txt', content: 'a' }, { name: '.dockerignore', content: '.dockerignore\n' }];
    const r = await ingest(await packTar(entries));
    assert.deepEqual(r.files.map((f) => f.path), ['a.txt']);
    assert.deepEqual(r.ignored, ['.dockerignore']);
  });

  test('an exception below an excluded directory keeps that directory', async () => {
    const r = await ingest(await packTar([
      { name: '.dockerignore', content: 'docs\n!docs/README.md\n' },
      { name: 'docs/README.md', content: 'readme' },
      { name: 'docs/internal.md', content: 'internal' },
    ]));
    assert.deepEqual(r.files.map((f) => f.path), ['.dockerignore', 'docs', 'docs/README.md']);
    assert.deepEqual(r.ignored, ['docs/internal.md']);
  });

  test('a hard link to an excluded file keeps its content under the link path only', async () => {
    const t = await tempStore();
    try {
      const r = await ingestArchive(chunked(await packTar([
        { name: '.dockerignore', content: 'private\n' },
        { name: 'private', content: 'shared bytes' },
        { name: 'public', type: 'link', linkname: 'private' },
      ])), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS });
      assert.deepEqual(r.files.map((f) => f.path), ['.dockerignore', 'public']);
      assert.equal(await t.blobs.has(sha('shared bytes')), true);
    } finally {
      await t.cleanup();
    }
  });
});

describe('large contexts', () => {
  test('5,000 files ingest as a stream: blobs are staged while the archive is still being produced', async () => {
    const t = await tempStore();
    try {
      const entries: FixtureEntry[] = [];
      for (let i = 0; i < 5000; i++) entries.push({ name: `dir${i % 50}/file${i}.txt`, content: `content of file ${i}\n`.repeat(20) });
      const archive = gzip(await packTar(entries));
      const progress = { bytes: 0 };
      let stagedSeenMidway = 0;
      async function* upload(): AsyncGenerator<Uint8Array> {
        for await (const chunk of chunked(archive, 16 * 1024, progress)) {
          if (progress.bytes > archive.length / 2 && stagedSeenMidway === 0) {
            stagedSeenMidway = (await readdir(t.blobs.stagingDir, { recursive: true })).length;
          }
          yield chunk;
        }
      }
      const r = await ingestArchive(upload(), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS });
      assert.equal(r.files.filter((f) => f.type === 'file').length, 5000);
      assert.equal(r.file_count, 5050);
      assert.ok(stagedSeenMidway > 1, 'content was staged before the upload was fully read');
      assert.equal((await t.blobFiles()).length, 5000);
    } finally {
      await t.cleanup();
    }
  });
});
