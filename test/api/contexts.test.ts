import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { packTar, gzip, rawTar } from '../../packages/server/src/context/archive-fixtures.ts';
import { KEY_B, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln({ KILN_CONTEXT_MAX_EXPANDED_BYTES: String(8 * 1024 * 1024) }); });
after(async () => { await kiln?.close(); });

async function upload(bytes: Buffer, type = 'application/x-tar', key?: string) {
  return kiln.request('POST', '/v1/templates/contexts', { body: new Uint8Array(bytes), headers: { 'content-type': type }, key });
}

async function blobCount(): Promise<number> {
  const dir = path.join(kiln.dataDir, 'blobs', 'sha256');
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}

const APP = [
  { name: 'app/', type: 'directory' as const },
  { name: 'app/main.py', content: 'print("hello")\n' },
  { name: 'app/requirements.txt', content: 'flask\n' },
  { name: 'Dockerfile', content: 'FROM python:3.12-slim\nWORKDIR /app\nCOPY app/ /app/\nCOPY notes/*.md /docs/\nCMD ["python", "main.py"]\n' },
  { name: 'notes/readme.md', content: '# notes\n' },
  { name: 'secret.env', content: 'TOKEN=abc\n' },
  { name: '.dockerignore', content: 'secret.env\n*.log\n' },
  { name: 'debug.log', content: 'noise\n' },
];

describe('build contexts', () => {
  test('upload a tar.gz, then plan and build from it with dockerfile_path', async () => {
    const res = await upload(gzip(await packTar(APP)), 'application/gzip');
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.context_manifest_id, /^ctx_/);
    assert.match(res.body.context_digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(res.body.ignored_count, 2);
    const ctx = { context_manifest_id: res.body.context_manifest_id };

    const plan = await kiln.request('POST', '/v1/templates/plan', { body: { name: 'ctx-app', dockerfile_path: 'Dockerfile', build_context: ctx } });
    assert.equal(plan.status, 200, plan.text);
    assert.equal(plan.body.source_type, 'dockerfile');
    assert.deepEqual(plan.body.context_manifest, { context_manifest_id: ctx.context_manifest_id, context_digest: res.body.context_digest, file_count: res.body.file_count });
    assert.equal(plan.body.build_plan.start_cmd, 'python main.py');

    const build = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'ctx-app', dockerfile_path: 'Dockerfile', build_context: ctx } });
    assert.equal(build.status, 202, build.text);
    assert.equal(build.body.context_digest, res.body.context_digest);
  });

  test('the same files in another order and with other mtimes give the same digest; content changes it', async () => {
    const a = await upload(await packTar(APP));
    const b = await upload(await packTar([...APP].reverse().map((e) => ({ ...e, mtime: new Date(2001, 1, 1) }))));
    assert.equal(a.body.context_digest, b.body.context_digest);
    const c = await upload(await packTar(APP.map((e) => (e.name === 'app/main.py' ? { ...e, content: 'print("bye")\n' } : e))));
    assert.notEqual(c.body.context_digest, a.body.context_digest);
  });

  test('a COPY source excluded by .dockerignore or absent is an error naming the line', async () => {
    const res = await upload(await packTar(APP));
    const v = await kiln.request('POST', '/v1/templates/validate', {
      body: { dockerfile: 'FROM debian:bookworm\nCOPY app/main.py /x\nCOPY secret.env /y\nCOPY nope.txt /z\n', build_context: { context_manifest_id: res.body.context_manifest_id } },
    });
    assert.equal(v.body.valid, false);
    assert.deepEqual(v.body.errors.map((e: { code: string; line: number }) => [e.code, e.line]), [['context_source_missing', 3], ['context_source_missing', 4]]);
  });

  test('another tenant cannot use an uploaded context', async () => {
    const res = await upload(await packTar(APP));
    const v = await kiln.request('POST', '/v1/templates/validate', {
      key: KEY_B, body: { dockerfile: 'FROM debian:bookworm\nCOPY app /app\n', build_context: { context_manifest_id: res.body.context_manifest_id } },
    });
    assert.equal(v.body.valid, false);
    assert.equal(v.body.errors[0].code, 'context_not_found');
  });

  test('hostile archives are refused with a code naming the entry, and store nothing', async () => {
    const before = await blobCount();
    const cases: [string, Buffer, string][] = [
      ['traversal', await packTar([{ name: 'ok.txt', content: 'fine' }, { name: '../../etc/evil', content: 'x' }]), 'archive_path_escape'],
      ['absolute symlink escape', await packTar([{ name: 'up', type: 'symlink', linkname: '/etc' }, { name: 'up/passwd', content: 'x' }]), 'archive_path_escape'],
      ['fifo', rawTar([{ header: { name: 'pipe', typeflag: '6' } }]), 'special_file_rejected'],
      ['char device', rawTar([{ header: { name: 'null', typeflag: '3' } }]), 'special_file_rejected'],
      ['truncated gzip', gzip(await packTar(APP)).subarray(0, 60), 'invalid_archive'],
      ['not a tar', Buffer.from('this is not an archive at all, just text'.repeat(40)), 'invalid_archive'],
    ];
    for (const [what, bytes, code] of cases) {
      const res = await upload(bytes);
      assert.equal(res.body?.code, code, `${what}: ${res.text}`);
      assert.ok(res.status >= 400 && res.status < 500, what);
    }
    // A real decompression bomb: 64 MiB of zeros in one file, far past the 8 MiB limit.
    const bomb = gzip(await packTar([{ name: 'zeros', content: Buffer.alloc(64 * 1024 * 1024) }]));
    const res = await upload(bomb, 'application/gzip');
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.code, 'archive_too_large');
    assert.equal(await blobCount(), before, 'a refused upload leaves no blob');
  });

  test('a JSON body is refused with 415', async () => {
    const res = await kiln.request('POST', '/v1/templates/contexts', { body: { files: [] } });
    assert.equal(res.status, 415);
    assert.equal(res.body.code, 'unsupported_media_type');
  });

  test('inline files are a context too', async () => {
    const p = await kiln.request('POST', '/v1/templates/plan', {
      body: {
        dockerfile: 'FROM debian:bookworm\nCOPY run.sh /usr/local/bin/run.sh\n',
        build_context: { files: [{ path: 'run.sh', content: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'), encoding: 'base64', mode: 0o755 }] },
      },
    });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.context_manifest.context_manifest_id, null, 'plan stores nothing');
    assert.equal(p.body.context_manifest.file_count, 1);
  });
});
