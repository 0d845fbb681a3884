import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tempStore } from './archive-fixtures.ts';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('BlobStore', () => {
  test('stages while hashing and commits into sha256/ab/abcd… with 0600 files and 0700 dirs', async () => {
    const t = await tempStore();
    try {
      const batch = await t.blobs.begin();
      const w = await batch.stage();
      await w.write(Buffer.from('hello '));
      await w.write(Buffer.from('world'));
      const blob = await w.finish();
      assert.deepEqual(blob, { sha256: sha('hello world'), size: 11 });
      assert.equal(await t.blobs.has(blob.sha256), false, 'not visible before commit');
      await batch.commit();
      assert.equal(await t.blobs.has(blob.sha256), true);
      const path = t.blobs.path(blob.sha256);
      assert.equal(path, join(t.dir, 'data', 'blobs', 'sha256', blob.sha256.slice(0, 2), blob.sha256));
      assert.equal(await readFile(path, 'utf8'), 'hello world');
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal((await stat(join(t.dir, 'data', 'blobs', 'sha256', blob.sha256.slice(0, 2)))).mode & 0o777, 0o700);
      const chunks: Buffer[] = [];
      for await (const c of t.blobs.open(blob.sha256)) chunks.push(c as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'hello world');
      assert.deepEqual(await t.blobFiles(), [`sha256/${blob.sha256.slice(0, 2)}/${blob.sha256}`]);
    } finally {
      await t.cleanup();
    }
  });

  test('discard deletes everything staged, including unfinished writers', async () => {
    const t = await tempStore();
    try {
      const batch = await t.blobs.begin();
      const a = await batch.stage();
      await a.write(Buffer.from('a'));
      await a.finish();
      const b = await batch.stage();
      await b.write(Buffer.from('partial'));
      await batch.discard();
      assert.deepEqual(await t.blobFiles(), []);
      assert.equal(await t.blobs.has(sha('a')), false);
      await batch.discard();
    } finally {
      await t.cleanup();
    }
  });

  test('same content is stored once (within a batch and across batches)', async () => {
    const t = await tempStore();
    try {
      for (let round = 0; round < 2; round++) {
        const batch = await t.blobs.begin();
        for (let i = 0; i < 3; i++) {
          const w = await batch.stage();
          await w.write(Buffer.from('same'));
          await w.finish();
        }
        assert.deepEqual(await batch.digests(), [sha('same')]);
        await batch.commit();
      }
      assert.deepEqual(await t.blobFiles(), [`sha256/${sha('same').slice(0, 2)}/${sha('same')}`]);
    } finally {
      await t.cleanup();
    }
  });

  test('commit with a keep set stores only the kept digests', async () => {
    const t = await tempStore();
    try {
      const batch = await t.blobs.begin();
      for (const s of ['keep', 'drop']) {
        const w = await batch.stage();
        await w.write(Buffer.from(s));
        await w.finish();
      }
      await batch.commit(new Set([sha('keep')]));
      assert.equal(await t.blobs.has(sha('keep')), true);
      assert.equal(await t.blobs.has(sha('drop')), false);
      assert.equal((await t.blobFiles()).length, 1);
    } finally {
      await t.cleanup();
    }
  });

  test('refuses digests that are not 64 hex digits, so no path can leave the store', async () => {
    const t = await tempStore();
    try {
      assert.throws(() => t.blobs.path('../../etc/passwd'), RangeError);
      assert.throws(() => t.blobs.open('ABC'), RangeError);
      await assert.rejects(t.blobs.has('x'.repeat(64)), RangeError);
    } finally {
      await t.cleanup();
    }
  });

  test('an unknown blob is absent and its stream fails with ENOENT', async () => {
    const t = await tempStore();
    try {
      assert.equal(await t.blobs.has(sha('nothing')), false);
      await assert.rejects(async () => { for await (const c of t.blobs.open(sha('nothing'))) void c; }, { code: 'ENOENT' });
    } finally {
      await t.cleanup();
    }
  });
});
