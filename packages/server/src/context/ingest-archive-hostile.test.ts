import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { KilnError } from '../errors/errors.ts';
import { chunked, gzip, packTar, rawTar, tempStore, type FixtureEntry, type TempStore } from './archive-fixtures.ts';
import { DEFAULT_CONTEXT_LIMITS, type ContextLimits } from './context-limits.ts';
import { ingestArchive } from './ingest-archive.ts';

const MIB = 1024 * 1024;

/** gzip of `total` zero bytes, compressed as a stream so the test never holds them. */
async function gzippedZeros(total: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  const collecting = (async () => { for await (const c of gz) out.push(c as Buffer); })();
  const block = Buffer.alloc(MIB);
  for (let i = 0; i < total / MIB; i++) if (!gz.write(block)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await collecting;
  return Buffer.concat(out);
}

interface Hostile {
  name: string;
  archive: () => Promise<Buffer>;
  code: string;
  mentions: string;
  limits?: Partial<ContextLimits>;
}

const file = (name: string, content = 'x'): FixtureEntry => ({ name, content });

const CASES: Hostile[] = [
  { name: '../../etc/passwd', archive: () => packTar([file('../../etc/passwd')]), code: 'archive_path_escape', mentions: '../../etc/passwd' },
  { name: '/etc/passwd', archive: () => packTar([file('/etc/passwd')]), code: 'archive_path_escape', mentions: '/etc/passwd' },
  { name: 'a/../../x', archive: () => packTar([file('a/../../x')]), code: 'archive_path_escape', mentions: 'a/../../x' },
  { name: 'symlink evil -> /etc, then evil/passwd', archive: () => packTar([{ name: 'evil', type: 'symlink', linkname: '/etc' }, file('evil/passwd')]), code: 'archive_path_escape', mentions: 'evil' },
  { name: 'entry below a symlink that stays inside', archive: () => packTar([{ name: 'sub', type: 'directory' }, { name: 'ok', type: 'symlink', linkname: 'sub' }, file('ok/passwd')]), code: 'archive_path_escape', mentions: 'ok/passwd' },
  { name: 'entry through a symlink then ..', archive: () => packTar([{ name: 'd', type: 'directory' }, { name: 'd/l', type: 'symlink', linkname: '.' }, file('d/l/../x')]), code: 'archive_path_escape', mentions: 'd/l/../x' },
  { name: 'symlink up -> ../..', archive: () => packTar([{ name: 'up', type: 'symlink', linkname: '../..' }]), code: 'archive_path_escape', mentions: 'up' },
  { name: 'symlink a/b -> ../../x', archive: () => packTar([{ name: 'a/b', type: 'symlink', linkname: '../../x' }]), code: 'archive_path_escape', mentions: 'a/b' },
  { name: 'symlink chain that escapes only when followed', archive: () => packTar([{ name: 'd/s', type: 'symlink', linkname: '.' }, { name: 'l', type: 'symlink', linkname: 'd/s/../..' }]), code: 'archive_path_escape', mentions: 'l' },
  { name: 'hard link to /etc/passwd', archive: () => packTar([{ name: 'h', type: 'link', linkname: '/etc/passwd' }]), code: 'archive_path_escape', mentions: '/etc/passwd' },
  { name: 'hard link to ../x', archive: () => packTar([{ name: 'h', type: 'link', linkname: '../x' }]), code: 'archive_path_escape', mentions: '../x' },
  { name: 'hard link to an entry not yet seen', archive: () => packTar([{ name: 'h', type: 'link', linkname: 'later' }, file('later')]), code: 'archive_path_escape', mentions: 'later' },
  { name: 'hard link through a symlinked directory', archive: () => packTar([file('sub/f'), { name: 'ln', type: 'symlink', linkname: 'sub' }, { name: 'h', type: 'link', linkname: 'ln/f' }]), code: 'archive_path_escape', mentions: 'ln/f' },
  { name: 'FIFO', archive: () => packTar([{ name: 'pipe', type: 'fifo' }]), code: 'special_file_rejected', mentions: 'pipe' },
  { name: 'character device', archive: () => packTar([{ name: 'dev/null', type: 'character-device' }]), code: 'special_file_rejected', mentions: 'dev/null' },
  { name: 'block device', archive: () => packTar([{ name: 'dev/sda', type: 'block-device' }]), code: 'special_file_rejected', mentions: 'dev/sda' },
  { name: 'unknown entry type (V, a volume label)', archive: async () => rawTar([{ header: { name: 'label', typeflag: 'V' } }]), code: 'invalid_archive', mentions: 'label' },
  { name: 'entry below a regular file', archive: () => packTar([file('a'), file('a/b')]), code: 'invalid_archive', mentions: 'a/b' },
  { name: 'a path longer than 4096 bytes (PAX)', archive: () => packTar([file('p/'.repeat(2100) + 'end')]), code: 'invalid_archive', mentions: 'longer than 4096 bytes' },
  { name: 'file that replaces the root', archive: () => packTar([file('./')]), code: 'invalid_archive', mentions: './' },
  { name: 'file larger than maxFileBytes (refused from its header)', archive: async () => rawTar([{ header: { name: 'big.bin', typeflag: '0', size: 200 * MIB } }]).subarray(0, 512), code: 'archive_too_large', mentions: 'big.bin', limits: { maxFileBytes: 10 * MIB } },
  { name: 'files adding up past maxTotalBytes', archive: () => packTar([file('a', 'a'.repeat(600)), file('b', 'b'.repeat(600))]), code: 'archive_too_large', mentions: 'b', limits: { maxTotalBytes: 1000 } },
  { name: 'more entries than maxFiles', archive: () => packTar([file('1'), file('2'), file('3')]), code: 'archive_too_large', mentions: '3', limits: { maxFiles: 2 } },
  { name: 'upload larger than maxCompressedBytes', archive: () => packTar([file('a', 'a'.repeat(5000))]), code: 'archive_too_large', mentions: '4096 bytes', limits: { maxCompressedBytes: 4096 } },
  { name: 'truncated gzip', archive: async () => { const gz = gzip(await packTar([file('a', 'hello'.repeat(1000))])); return gz.subarray(0, gz.length - 20); }, code: 'invalid_archive', mentions: 'truncated' },
  { name: 'truncated tar (inside a file)', archive: async () => (await packTar([file('a', 'x'.repeat(2000))])).subarray(0, 1024), code: 'invalid_archive', mentions: '"a"' },
  { name: 'random bytes', archive: async () => Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 251)), code: 'invalid_archive', mentions: 'before the first entry' },
  { name: 'an empty upload', archive: async () => Buffer.alloc(0), code: 'invalid_archive', mentions: 'empty' },
  { name: 'xz compression', archive: async () => Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]), code: 'invalid_archive', mentions: 'xz' },
  { name: 'a malformed .dockerignore', archive: () => packTar([file('.dockerignore', 'ok\n[x-]\n')]), code: 'invalid_context', mentions: 'line 2' },
  { name: 'a .dockerignore that is a directory', archive: () => packTar([{ name: '.dockerignore', type: 'directory' }]), code: 'invalid_context', mentions: '.dockerignore' },
];

describe('ingestArchive refuses hostile archives and leaves the host as it was', () => {
  let t: TempStore;
  let baseline: string[];
  before(async () => {
    t = await tempStore();
    await ingestArchive(chunked(await packTar([file('kept.txt', 'kept')])), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS });
    baseline = await t.blobFiles();
    assert.equal(baseline.length, 1);
  });
  after(async () => t.cleanup());

  for (const c of CASES) {
    test(`${c.name} → ${c.code}`, async () => {
      const archive = await c.archive();
      for (const [label, bytes] of [['tar', archive], ['tar.gz', gzip(archive)]] as const) {
        if (label === 'tar.gz' && (c.name.includes('gzip') || c.name.includes('xz') || c.name.includes('empty') || c.code === 'archive_too_large' && c.limits?.maxCompressedBytes)) continue;
        await assert.rejects(
          ingestArchive(chunked(bytes, 1000), { blobs: t.blobs, limits: { ...DEFAULT_CONTEXT_LIMITS, ...c.limits } }),
          (err: unknown) => {
            assert.ok(err instanceof KilnError, `${label}: expected a KilnError, got ${String(err)}`);
            assert.equal(err.code, c.code, `${label}: ${err.message}`);
            assert.equal(err.phase, 'context');
            assert.ok(err.message.includes(c.mentions), `${label}: message ${JSON.stringify(err.message)} should mention ${c.mentions}`);
            return true;
          },
        );
        assert.deepEqual(await t.blobFiles(), baseline, `${label}: no blob may be left behind`);
        assert.deepEqual(await readdir(t.blobs.stagingDir), [], `${label}: staging is empty`);
        assert.equal(existsSync(t.canary), false);
      }
    });
  }

  test('a gzip bomb (200 MB of zeros) stops soon after the limit, without reading the whole upload', async () => {
    const bomb = await gzippedZeros(200 * MIB);
    const counter = { bytes: 0 };
    await assert.rejects(
      ingestArchive(chunked(bomb, 1024, counter), { blobs: t.blobs, limits: { ...DEFAULT_CONTEXT_LIMITS, maxTotalBytes: 10 * MIB } }),
      (err: unknown) => {
        assert.ok(err instanceof KilnError && err.code === 'archive_too_large' && /decompression bomb/.test(err.message), String(err));
        const expanded = Number(/\((\d+) bytes read/.exec(err.message)?.[1]);
        assert.ok(expanded <= 3 * MIB, `stopped after ${expanded} expanded bytes`);
        return true;
      },
    );
    assert.ok(counter.bytes < bomb.length / 2, `read ${counter.bytes} of ${bomb.length} compressed bytes`);
    assert.deepEqual(await t.blobFiles(), baseline);
  });

  test('a tar declaring a 200 MB file is refused from its header under a 10 MB limit, reading almost nothing', async () => {
    const head = rawTar([{ header: { name: 'zeros.bin', typeflag: '0', size: 200 * MIB } }]).subarray(0, 512);
    const counter = { bytes: 0 };
    async function* upload(): AsyncGenerator<Uint8Array> {
      counter.bytes += head.length;
      yield head;
      const zeros = Buffer.alloc(64 * 1024);
      for (let i = 0; i < (200 * MIB) / zeros.length; i++) {
        counter.bytes += zeros.length;
        yield zeros;
      }
    }
    await assert.rejects(
      ingestArchive(upload(), { blobs: t.blobs, limits: { ...DEFAULT_CONTEXT_LIMITS, maxTotalBytes: 10 * MIB } }),
      (err: unknown) => err instanceof KilnError && err.code === 'archive_too_large' && err.message.includes('zeros.bin'),
    );
    assert.ok(counter.bytes < 2 * MIB, `read ${counter.bytes} bytes`);
  });

  test('a refused upload leaves a Readable input open for the caller', async () => {
    const input = new PassThrough();
    input.write(await packTar([file('../x')]));
    await assert.rejects(ingestArchive(input, { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS }), { code: 'archive_path_escape' });
    assert.equal(input.destroyed, false);
    input.destroy();
  });
});
