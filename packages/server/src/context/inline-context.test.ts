import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chunked, packTar, tempStore } from './archive-fixtures.ts';
import { DEFAULT_CONTEXT_LIMITS } from './context-limits.ts';
import { ingestArchive } from './ingest-archive.ts';
import { ingestInlineFiles } from './inline-context.ts';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

describe('ingestInlineFiles', () => {
  test('stores inline files (utf8 and base64) and gives the same digest as the same files in an archive', async () => {
    const t = await tempStore();
    try {
      const r = await ingestInlineFiles([
        { path: './app/main.py', content: 'print(1)\n', mode: 0o755 },
        { path: 'data.bin', content: Buffer.from([0, 1, 2, 255]).toString('base64'), encoding: 'base64' },
      ], { blobs: t.blobs });
      assert.deepEqual(r.problems, []);
      const ctx = r.context!;
      assert.deepEqual(ctx.files.map((f) => [f.path, f.type, f.mode]), [['app', 'dir', 0o755], ['app/main.py', 'file', 0o755], ['data.bin', 'file', 0o644]]);
      assert.equal(ctx.total_bytes, 9 + 4);
      assert.equal(await t.blobs.has(sha(Buffer.from([0, 1, 2, 255]))), true);
      const archived = await ingestArchive(chunked(await packTar([
        { name: 'app/main.py', content: 'print(1)\n', mode: 0o755 },
        { name: 'data.bin', content: Buffer.from([0, 1, 2, 255]) },
      ])), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS });
      assert.equal(ctx.digest, archived.digest);
    } finally {
      await t.cleanup();
    }
  });

  test('persist: false computes the context without writing any blob', async () => {
    const t = await tempStore();
    try {
      const r = await ingestInlineFiles([{ path: 'a', content: 'x' }], { blobs: t.blobs, persist: false });
      assert.equal(r.context?.file_count, 1);
      assert.deepEqual(await t.blobFiles(), []);
    } finally {
      await t.cleanup();
    }
  });

  test('reports every problem with its field path', async () => {
    const t = await tempStore();
    try {
      const r = await ingestInlineFiles([
        { path: '../escape', content: 'x' },
        { path: '/abs', content: 'x' },
        { path: 'ok', content: 5 },
        { path: 'b64', content: 'not base64!', encoding: 'base64' },
        { path: 'enc', content: 'x', encoding: 'latin1' },
        { path: 'mode', content: 'x', mode: 0o10000 },
        { path: 'extra', content: 'x', owner: 'root' },
        'not an object',
        { path: '', content: 'x' },
        { path: '.', content: 'x' },
        { path: 'dup', content: '1' },
        { path: './dup', content: '2' },
        { path: 'dir', content: 'file' },
        { path: 'dir/below', content: 'x' },
      ], { blobs: t.blobs });
      assert.equal(r.context, undefined);
      assert.ok(r.problems.every((p) => p.code === 'invalid_context' && p.phase === 'context'));
      assert.deepEqual(r.problems.map((p) => p.field), [
        'build_context.files[0].path', 'build_context.files[1].path', 'build_context.files[2].content',
        'build_context.files[3].content', 'build_context.files[4].encoding', 'build_context.files[5].mode',
        'build_context.files[6].owner', 'build_context.files[7]', 'build_context.files[8].path', 'build_context.files[9].path',
        'build_context.files[11].path', 'build_context.files[13].path',
      ]);
      assert.match(r.problems[0].message, /\.\.\/escape/);
      assert.deepEqual(await t.blobFiles(), []);
    } finally {
      await t.cleanup();
    }
  });

  test('limits: at most 1,000 files and 1 MiB of content', async () => {
    const t = await tempStore();
    try {
      const many = Array.from({ length: 1001 }, (_, i) => ({ path: `f${i}`, content: '' }));
      assert.equal((await ingestInlineFiles(many, { blobs: t.blobs })).problems[0].field, 'build_context.files');
      const big = [{ path: 'a', content: 'x'.repeat(600 * 1024) }, { path: 'b', content: 'y'.repeat(600 * 1024) }];
      const r = await ingestInlineFiles(big, { blobs: t.blobs });
      assert.equal(r.problems.length, 1);
      assert.match(r.problems[0].message, /1048576 bytes/);
      assert.equal((await ingestInlineFiles(many.slice(0, 1000), { blobs: t.blobs, persist: false })).context?.file_count, 1000);
      assert.equal((await ingestInlineFiles('nope', { blobs: t.blobs })).problems[0].field, 'build_context.files');
    } finally {
      await t.cleanup();
    }
  });

  test('a .dockerignore among inline files applies, and a malformed one is a problem', async () => {
    const t = await tempStore();
    try {
      const r = await ingestInlineFiles([{ path: '.dockerignore', content: '*.secret' }, { path: 'a.secret', content: 's' }, { path: 'b', content: 'b' }], { blobs: t.blobs });
      assert.deepEqual(r.context?.files.map((f) => f.path), ['.dockerignore', 'b']);
      assert.deepEqual(r.context?.ignored, ['a.secret']);
      assert.equal(await t.blobs.has(sha('s')), false);
      const bad = await ingestInlineFiles([{ path: '.dockerignore', content: '[' }], { blobs: t.blobs });
      assert.equal(bad.problems[0].code, 'invalid_context');
      assert.match(bad.problems[0].message, /line 1/);
    } finally {
      await t.cleanup();
    }
  });
});
