import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { KilnError } from '../errors/errors.ts';
import { ERROR_CODES } from '../errors/codes.ts';
import { chunked, gzip, packTar, tempStore } from './archive-fixtures.ts';
import { ingestArchive } from './ingest-archive.ts';
import { prng } from '../testing/seeded-rng.ts';

const ITERATIONS = 3000;
const TIME_BOX_MS = 10_000;


/** Rewrites the checksum of every block that looks like a ustar header, so mutations get past it. */
function fixChecksums(buf: Buffer): void {
  for (let off = 0; off + 512 <= buf.length; off += 512) {
    if (buf.toString('latin1', off + 257, off + 262) !== 'ustar') continue;
    buf.fill(0x20, off + 148, off + 156);
    let sum = 0;
    for (let i = off; i < off + 512; i++) sum += buf[i];
    buf.write(sum.toString(8).padStart(6, '0') + '\0 ', off + 148, 'latin1');
  }
}

function mutate(base: Buffer, rand: () => number): Buffer {
  let buf = Buffer.from(base);
  const pick = (n: number): number => Math.floor(rand() * n);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    switch (pick(7)) {
      case 0: for (let i = 0; i < 1 + pick(8); i++) buf[pick(buf.length)] = pick(256); break;
      case 1: buf = buf.subarray(0, pick(buf.length + 1)); break;
      case 2: { const at = pick(buf.length + 1); buf = Buffer.concat([buf.subarray(0, at), Buffer.from(Array.from({ length: 1 + pick(600) }, () => pick(256))), buf.subarray(at)]); break; }
      case 3: { const at = pick(buf.length + 1); const len = pick(1024); buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at, at + len), buf.subarray(at)]); break; }
      case 4: { const block = pick(Math.max(1, buf.length >> 9)) * 512; if (block + 157 <= buf.length) buf[block + 156] = '0123456789LKxgVS'.charCodeAt(pick(16)); break; }
      case 5: { const block = pick(Math.max(1, buf.length >> 9)) * 512; if (block + 136 <= buf.length) buf.write(pick(2 ** 33).toString(8).padStart(11, '0'), block + 124, 'latin1'); break; }
      default: { const at = pick(buf.length + 1); buf.fill(0, at, Math.min(buf.length, at + pick(2048))); break; }
    }
  }
  if (rand() < 0.6) fixChecksums(buf);
  return buf;
}

test(`fuzz: ${ITERATIONS} mutated tar and tar.gz uploads end in success or a catalogued KilnError, never a hang`, async () => {
  const t = await tempStore();
  try {
    const bases = [
      await packTar([
        { name: 'a.txt', content: 'hello' }, { name: 'dir', type: 'directory' }, { name: 'dir/b.bin', content: Buffer.alloc(700, 7) },
        { name: 'ln', type: 'symlink', linkname: 'dir/b.bin' }, { name: 'hard', type: 'link', linkname: 'a.txt' },
        { name: 'x'.repeat(150) + '/long', content: 'pax' }, { name: '.dockerignore', content: '*.tmp\n' }, { name: 'c.tmp', content: 'tmp' },
      ]),
      await packTar([{ name: 'only', content: 'x'.repeat(3000) }]),
    ];
    const limits = { maxCompressedBytes: 1 << 20, maxTotalBytes: 1 << 20, maxFileBytes: 512 << 10, maxFiles: 200 };
    const codes = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = 1000 + i;
      const rand = prng(seed);
      const base = bases[i % bases.length];
      let bytes = mutate(base, rand);
      if (rand() < 0.35) bytes = rand() < 0.5 ? gzip(bytes) : mutate(gzip(base), rand);
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`seed ${seed}: no answer within ${TIME_BOX_MS} ms`)), TIME_BOX_MS); });
      try {
        await Promise.race([ingestArchive(chunked(bytes, 1 + Math.floor(rand() * 2048)), { blobs: t.blobs, limits }), hang]);
        codes.set('ok', (codes.get('ok') ?? 0) + 1);
      } catch (err) {
        assert.ok(err instanceof KilnError, `seed ${seed}: ${err instanceof Error ? err.stack : String(err)}`);
        assert.ok(err.code in ERROR_CODES, `seed ${seed}: unknown code ${err.code}`);
        assert.equal(err.phase, 'context', `seed ${seed}`);
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      } finally {
        clearTimeout(timer);
      }
    }
    assert.ok((codes.get('ok') ?? 0) > 0 && (codes.get('invalid_archive') ?? 0) > 0, JSON.stringify([...codes]));
    assert.deepEqual(await readdir(t.blobs.stagingDir), [], 'nothing left staged');
    assert.equal(existsSync(t.canary), false);
    for (const rel of await t.blobFiles()) {
      const digest = rel.split('/').pop() as string;
      const content = await readFile(t.blobs.path(digest));
      assert.equal(createHash('sha256').update(content).digest('hex'), digest, `blob ${rel} holds what its name says`);
    }
  } finally {
    await t.cleanup();
  }
});
