import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chunked, gzip, packTar, tempStore, type FixtureEntry, type TempStore } from './archive-fixtures.ts';
import { DEFAULT_CONTEXT_LIMITS } from './context-limits.ts';
import { ingestArchive } from './ingest-archive.ts';
import { ingestBundle, type IngestedBundle } from './ingest-bundle.ts';
import { TenantBlobs } from './tenant-blobs.ts';
import { KilnError } from '../errors/errors.ts';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

const MAIN = 'print("hi")\n';
const UTIL = 'X = 1\n';
const IGNORE = 'secret.env\n';

/** The manifest of the same context SAMPLE_TAR holds. */
const MANIFEST = {
  files: [
    { path: 'app', type: 'dir', mode: 0o755 },
    { path: 'app/main.py', type: 'file', mode: 0o755, size: MAIN.length, sha256: sha(MAIN) },
    { path: 'app/util.py', type: 'file', mode: 0o644, size: UTIL.length, sha256: sha(UTIL) },
    { path: 'current', type: 'symlink', mode: 0o777, target: 'app/main.py' },
    { path: '.dockerignore', type: 'file', mode: 0o644, size: IGNORE.length, sha256: sha(IGNORE) },
    { path: 'secret.env', type: 'file', mode: 0o600, size: 4, sha256: sha('abc\n') },
  ],
};

const SAMPLE_TAR: FixtureEntry[] = [
  { name: 'app/', type: 'directory' },
  { name: 'app/main.py', content: MAIN, mode: 0o755 },
  { name: 'app/util.py', content: UTIL },
  { name: 'current', type: 'symlink', linkname: 'app/main.py' },
  { name: '.dockerignore', content: IGNORE },
  { name: 'secret.env', content: 'abc\n', mode: 0o600 },
];

function bundle(manifest: unknown, blobs: (string | Buffer)[], extra: FixtureEntry[] = []): Promise<Buffer> {
  return packTar([
    { name: 'manifest.json', content: JSON.stringify(manifest) },
    ...blobs.map((b) => ({ name: `blobs/sha256/${sha(b)}`, content: b })),
    ...extra,
  ]);
}

async function ingest(t: TempStore, bytes: Buffer, owned: (d: string) => Promise<boolean> = async () => false): Promise<IngestedBundle> {
  return ingestBundle(chunked(bytes, 333), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS, owned });
}

async function refused(t: TempStore, bytes: Buffer, code: string, message: RegExp, owned?: (d: string) => Promise<boolean>): Promise<KilnError> {
  const before = await t.blobFiles();
  let caught: unknown;
  try {
    await ingest(t, bytes, owned);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof KilnError, `expected a KilnError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  assert.deepEqual(await t.blobFiles(), before, 'a refused bundle stores nothing');
  return caught;
}

describe('context bundles', () => {
  test('a bundle with every blob gives the same files and digest as the tar of the files', async () => {
    const t = await tempStore();
    try {
      const fromTar = await ingestArchive(chunked(await packTar(SAMPLE_TAR)), { blobs: t.blobs, limits: DEFAULT_CONTEXT_LIMITS });
      const fromBundle = await ingest(t, await bundle(MANIFEST, [MAIN, UTIL, IGNORE, 'abc\n']));
      assert.equal(fromBundle.digest, fromTar.digest);
      assert.deepEqual(fromBundle.files, fromTar.files);
      assert.deepEqual(fromBundle.ignored, ['secret.env']);
      assert.equal(fromBundle.received_blobs, 3, 'the ignored file\'s blob is not kept');
      assert.equal(fromBundle.reused_blobs, 0);
      assert.equal(await t.blobs.has(sha('abc\n')), false);
    } finally {
      await t.cleanup();
    }
  });

  test('gzip bundles are read too; owned blobs need not be sent again, and their sizes are checked', async () => {
    const t = await tempStore();
    try {
      await ingest(t, await bundle({ files: MANIFEST.files.slice(0, 3) }, [MAIN, UTIL]));
      const owned = async (d: string) => d === sha(MAIN) || d === sha(UTIL);
      const second = await ingest(t, gzip(await bundle(MANIFEST, [IGNORE])), owned);
      assert.equal(second.received_blobs, 1);
      assert.equal(second.reused_blobs, 2);
      assert.deepEqual(second.files.map((f) => f.path), ['.dockerignore', 'app', 'app/main.py', 'app/util.py', 'current']);

      const lying = { files: [{ path: 'app/main.py', type: 'file', size: 99, sha256: sha(MAIN) }] };
      await refused(t, await bundle(lying, []), 'invalid_context', /files\[0\]\.size is 99, but its content is 12 bytes/, owned);
    } finally {
      await t.cleanup();
    }
  });

  test('a manifest naming content that is neither sent nor owned is refused, even when another upload stored it', async () => {
    const t = await tempStore();
    try {
      await ingest(t, await bundle({ files: MANIFEST.files.slice(1, 2) }, [MAIN]));
      assert.equal(await t.blobs.has(sha(MAIN)), true);
      const err = await refused(t, await bundle({ files: MANIFEST.files.slice(1, 3) }, []), 'invalid_context', /neither in this upload nor uploaded by you before/);
      assert.deepEqual(err.problems.map((p) => p.field), ['files[0].sha256', 'files[1].sha256']);
    } finally {
      await t.cleanup();
    }
  });

  test('a blob whose content does not match its name is refused', async () => {
    const t = await tempStore();
    try {
      const tarBytes = await packTar([
        { name: 'manifest.json', content: JSON.stringify({ files: [MANIFEST.files[1]] }) },
        { name: `blobs/sha256/${sha(MAIN)}`, content: 'something else\n' },
      ]);
      await refused(t, tarBytes, 'invalid_archive', new RegExp(`holds content whose sha256 is ${sha('something else\n')}`));
    } finally {
      await t.cleanup();
    }
  });

  test('unexpected entries, a missing or malformed manifest and unsafe paths are refused with the field named', async () => {
    const t = await tempStore();
    try {
      await refused(t, await bundle(MANIFEST, [MAIN], [{ name: 'app/main.py', content: MAIN }]), 'invalid_archive', /"app\/main.py" is neither manifest.json nor a file blobs\/sha256/);
      await refused(t, await packTar([{ name: `blobs/sha256/${sha(MAIN)}`, content: MAIN }]), 'invalid_context', /has no manifest.json/);
      await refused(t, await packTar([{ name: 'manifest.json', content: '{"files": [' }]), 'invalid_context', /not valid JSON/);
      const err = await refused(t, await bundle({ files: [
        { path: '../up', type: 'file', size: 0, sha256: sha('') },
        { path: 'x', type: 'fifo' },
        { path: 'y', type: 'file', size: 1 },
        { path: 'z', type: 'dir', color: 'red' },
        { path: 'link', type: 'symlink', target: '../../etc/passwd' },
      ] }, []), 'invalid_context', /files\[0\]\.path "\.\.\/up" uses \.\. to climb out/);
      assert.deepEqual(err.problems.map((p) => p.field), ['files[0].path', 'files[1].type', 'files[2].sha256', 'files[3].color', 'files[4].target']);
      assert.equal(err.problems[4].code, 'archive_path_escape');
      await refused(t, await bundle({ files: [{ path: 'a', type: 'file', size: 0, sha256: sha('') }, { path: './a', type: 'dir' }] }, ['']), 'invalid_context', /same path as files\[0\]/);
      await refused(t, await bundle({ files: [
        { path: 'a', type: 'symlink', target: 'b' }, { path: 'a/x', type: 'file', size: 0, sha256: sha('') },
      ] }, ['']), 'archive_path_escape', /goes through the symlink a/);
    } finally {
      await t.cleanup();
    }
  });

  test('TenantBlobs answers per tenant, and only for blobs still stored', async () => {
    const t = await tempStore();
    try {
      const owners = new TenantBlobs(t.blobs);
      await ingest(t, await bundle({ files: MANIFEST.files.slice(1, 2) }, [MAIN]));
      await owners.record('tenant-a', [sha(MAIN), sha('never stored')]);
      assert.deepEqual(await owners.missing('tenant-a', [sha(MAIN), sha(UTIL), sha(MAIN), sha('never stored')]), [sha(UTIL), sha('never stored')]);
      assert.deepEqual(await owners.missing('tenant-b', [sha(MAIN)]), [sha(MAIN)]);
      assert.equal(await owners.has('tenant-a', '../../etc'), false);
    } finally {
      await t.cleanup();
    }
  });
});
