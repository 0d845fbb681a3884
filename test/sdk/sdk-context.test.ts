/**
 * Build contexts through the SDK against a real Kiln server: the SDK sends only the file contents the
 * server does not have from the caller (counted from the bytes it sent), builds read the files, and
 * the SDK's `.dockerignore` handling and context digest agree with the server's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template, type ConnectionOptions } from '../../packages/sdk/src/index.ts';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { KEY_A, KEY_B, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';

let kiln: KilnFixture;
let dataDir: string;
let ctx: string;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function put(rel: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(ctx, rel)), { recursive: true });
  await writeFile(path.join(ctx, rel), content);
}

before(async () => {
  dataDir = await dataDirWithBusybox();
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
  ctx = await mkdtemp(path.join(tmpdir(), 'kiln-sdk-context-'));
  await put('.dockerignore', '*.log\nnode_modules\ndocs\n!docs/keep.md\n**/*.tmp\n');
  await put('app/run.sh', '#!/bin/sh\necho from-context\n');
  await put('app/data.txt', 'answer=42\n');
  await put('app/same.txt', 'answer=42\n');
  await put('app/nested/debug.log', 'a root-only pattern keeps this\n');
  await put('app/cache.tmp', 'excluded at any depth\n');
  await put('debug.log', 'excluded\n');
  await put('node_modules/x/index.js', 'excluded\n');
  await put('docs/guide.md', 'excluded\n');
  await put('docs/keep.md', 're-included\n');
});
after(async () => {
  await kiln?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (ctx) await rm(ctx, { recursive: true, force: true });
});

/** The names of the entries of an uncompressed tar. */
function tarNames(bytes: Buffer): string[] {
  const names: string[] = [];
  for (let at = 0; at + 512 <= bytes.length;) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    names.push(header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, ''));
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

/** Connection options whose fetch records the entries of every context bundle sent. */
function recording(key: string): { conn: ConnectionOptions; bundles: string[][] } {
  const bundles: string[][] = [];
  const fetchAndRecord: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/v1/templates/contexts') && init?.body instanceof ReadableStream) {
      const chunks: Uint8Array[] = [];
      for await (const c of init.body as ReadableStream<Uint8Array>) chunks.push(c);
      const bytes = Buffer.concat(chunks);
      bundles.push(tarNames(bytes));
      const { duplex: _duplex, ...rest } = init as RequestInit & { duplex?: string };
      return fetch(input, { ...rest, body: bytes });
    }
    return fetch(input, init);
  };
  return { conn: { apiKey: key, apiUrl: kiln.url, fetch: fetchAndRecord }, bundles };
}

const copier = () => Template.fromTemplate('kiln/busybox').copy('app/', '/srv/app/').copy('docs/', '/srv/docs/').runCmd('/bin/sh /srv/app/run.sh');

describe('build contexts through the SDK', () => {
  test('the first build sends every kept content once; the next sends only what changed; another tenant sends its own', async () => {
    const { conn, bundles } = recording(KEY_A);
    const first = await Template.buildInBackground(copier(), 'sdk-ctx', { ...conn, contextPath: ctx });
    const info = await first.waitUntilTerminal();
    assert.equal(info.status, 'ready', JSON.stringify(info.error_detail));
    const kept = ['#!/bin/sh\necho from-context\n', 'answer=42\n', 'a root-only pattern keeps this\n', 're-included\n', '*.log\nnode_modules\ndocs\n!docs/keep.md\n**/*.tmp\n'];
    assert.deepEqual(bundles[0].slice(0, 1), ['manifest.json']);
    assert.deepEqual(bundles[0].slice(1).sort(), kept.map((c) => `blobs/sha256/${sha(c)}`).sort(), 'each distinct content once (two files share one)');
    assert.deepEqual([first.contextUpload?.blobsSent, first.contextUpload?.blobsReused], [5, 0]);
    const files = await rootfsEntries(kiln, info.build_id);
    assert.equal(files.get('srv/app/data.txt')?.content, 'answer=42\n');
    assert.equal(files.get('srv/app/nested/debug.log')?.content, 'a root-only pattern keeps this\n');
    assert.equal(files.get('srv/docs/keep.md')?.content, 're-included\n');
    for (const gone of ['srv/app/cache.tmp', 'srv/docs/guide.md']) assert.equal(files.get(gone), undefined, `${gone} was ignored`);
    assert.ok((await first.getStatus()).log_entries.some((e) => e.message === 'from-context'));

    await put('app/data.txt', 'answer=43\n');
    const second = await Template.buildInBackground(copier(), 'sdk-ctx', { ...conn, contextPath: ctx });
    assert.deepEqual(bundles[1], ['manifest.json', `blobs/sha256/${sha('answer=43\n')}`]);
    assert.deepEqual([second.contextUpload?.blobsSent, second.contextUpload?.bytesSent, second.contextUpload?.blobsReused], [1, 10, 5]);
    assert.equal(second.contextUpload?.context.reused_blobs, 5);
    const again = await second.waitUntilTerminal();
    assert.equal(again.status, 'ready', JSON.stringify(again.error_detail));
    assert.equal((await rootfsEntries(kiln, again.build_id)).get('srv/app/data.txt')?.content, 'answer=43\n');
    assert.notEqual(again.context_digest, info.context_digest);

    const other = recording(KEY_B);
    const theirs = await Template.buildInBackground(copier(), 'sdk-ctx', { ...other.conn, contextPath: ctx });
    assert.equal(other.bundles[0].length, 1 + 6, 'another tenant cannot reuse what tenant A uploaded (six distinct contents now)');
    assert.equal((await theirs.waitUntilTerminal()).status, 'ready');
  });

  test('the SDK leaves out what the server would: its digest equals the digest of a plain tar upload of the directory', async () => {
    const inspected = await Template.inspectBuildContext(copier(), { contextPath: ctx });
    const tar = execFileSync('tar', ['-C', ctx, '-cf', '-', '.']);
    const res = await kiln.request('POST', '/v1/templates/contexts', { body: new Uint8Array(tar), headers: { 'content-type': 'application/x-tar' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(inspected.contextDigest, res.body.context_digest);
    assert.equal(inspected.files.length, res.body.file_count);
    assert.equal(inspected.ignored.length, res.body.ignored_count);
    assert.deepEqual(inspected.ignored, ['app/cache.tmp', 'debug.log', 'docs/guide.md', 'node_modules']);
  });

  test('a Dockerfile\'s COPY reads the uploaded context too; a Dockerfile without one uploads nothing', async () => {
    const { conn, bundles } = recording(KEY_A);
    const df = Template.fromDockerfile('FROM kiln/busybox\nCOPY app/run.sh /run.sh\nRUN sh /run.sh > /ran.txt\n');
    const info = await Template.build(df, 'sdk-ctx-df', { ...conn, contextPath: ctx });
    assert.equal((await rootfsEntries(kiln, info.build_id)).get('ran.txt')?.content, 'from-context\n');
    assert.deepEqual(bundles, [['manifest.json']], 'every content was uploaded before');
    await Template.build(Template.fromDockerfile('FROM kiln/busybox\nRUN echo hi > /hi\n'), 'sdk-ctx-df2', { ...conn });
    assert.equal(bundles.length, 1);
  });
});
