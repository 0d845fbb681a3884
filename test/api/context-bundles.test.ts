import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { packTar, type FixtureEntry } from '../../packages/server/src/context/archive-fixtures.ts';
import { KEY_B, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const BUNDLE = 'application/vnd.kiln.context-bundle+tar';

const MAIN = 'print("bundle")\n';
const REQS = 'flask\n';
const FILES = [
  { path: 'app', type: 'dir', mode: 0o755 },
  { path: 'app/main.py', type: 'file', mode: 0o644, size: MAIN.length, sha256: sha(MAIN) },
  { path: 'app/requirements.txt', type: 'file', mode: 0o644, size: REQS.length, sha256: sha(REQS) },
];

async function bundle(files: unknown[], blobs: string[], key?: string) {
  const entries: FixtureEntry[] = [
    { name: 'manifest.json', content: JSON.stringify({ files }) },
    ...blobs.map((b) => ({ name: `blobs/sha256/${sha(b)}`, content: b })),
  ];
  return kiln.request('POST', '/v1/templates/contexts', { body: new Uint8Array(await packTar(entries)), headers: { 'content-type': BUNDLE }, key });
}

const missing = (digests: string[], key?: string) => kiln.request('POST', '/v1/templates/contexts/blobs/missing', { body: { sha256: digests }, key });

describe('context bundles over HTTP', () => {
  test('only contents the caller uploaded itself count as present; a bundle then carries just the rest', async () => {
    const first = await missing([sha(MAIN), sha(REQS)]);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body, { missing: [sha(MAIN), sha(REQS)] });

    const tar = await packTar([{ name: 'app/', type: 'directory' }, { name: 'app/main.py', content: MAIN }]);
    const up = await kiln.request('POST', '/v1/templates/contexts', { body: new Uint8Array(tar), headers: { 'content-type': 'application/x-tar' } });
    assert.equal(up.status, 201, up.text);
    assert.deepEqual((await missing([sha(MAIN), sha(REQS), sha(MAIN)])).body, { missing: [sha(REQS)] });
    assert.deepEqual((await missing([sha(MAIN)], KEY_B)).body, { missing: [sha(MAIN)] }, 'another tenant learns nothing about A\'s uploads');

    const res = await bundle(FILES, [REQS]);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.received_blobs, 1);
    assert.equal(res.body.reused_blobs, 1);
    assert.equal(res.body.file_count, 3);
    const whole = await packTar([{ name: 'app/', type: 'directory' }, { name: 'app/main.py', content: MAIN }, { name: 'app/requirements.txt', content: REQS }]);
    const same = await kiln.request('POST', '/v1/templates/contexts', { body: new Uint8Array(whole), headers: { 'content-type': 'application/x-tar' } });
    assert.equal(res.body.context_digest, same.body.context_digest, 'a bundle and a tar of the same files give the same context');

    const plan = await kiln.request('POST', '/v1/templates/plan', { body: { name: 'bundled', base_image: 'kiln/busybox', steps: [{ type: 'copy', src: 'app/', dest: '/app/' }], build_context: { context_manifest_id: res.body.context_manifest_id } } });
    assert.equal(plan.status, 200, plan.text);
    assert.equal(plan.body.context_manifest.context_digest, res.body.context_digest);
  });

  test('another tenant cannot build a context from A\'s contents by naming their digests', async () => {
    const res = await bundle(FILES, [], KEY_B);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'invalid_context');
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['files[1].sha256', 'files[2].sha256']);
    const withContent = await bundle(FILES, [MAIN, REQS], KEY_B);
    assert.equal(withContent.status, 201, withContent.text);
    assert.deepEqual((await missing([sha(MAIN), sha(REQS)], KEY_B)).body, { missing: [] });
  });

  test('malformed questions and bundles answer 400 with a code, never 500', async () => {
    for (const body of [{}, { sha256: 'abc' }, { sha256: ['ABC'] }, { sha256: [], more: 1 }]) {
      const res = await kiln.request('POST', '/v1/templates/contexts/blobs/missing', { body });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'invalid_request');
    }
    const noManifest = await kiln.request('POST', '/v1/templates/contexts', { body: new Uint8Array(await packTar([{ name: 'x', content: 'y' }])), headers: { 'content-type': BUNDLE } });
    assert.equal(noManifest.status, 400, noManifest.text);
    assert.equal(noManifest.body.code, 'invalid_archive');
    const wrong = await kiln.request('POST', '/v1/templates/contexts', {
      body: new Uint8Array(await packTar([{ name: 'manifest.json', content: JSON.stringify({ files: [FILES[1]] }) }, { name: `blobs/sha256/${sha(MAIN)}`, content: 'other' }])),
      headers: { 'content-type': BUNDLE },
    });
    assert.equal(wrong.status, 400, wrong.text);
    assert.equal(wrong.body.code, 'invalid_archive');
    assert.match(wrong.body.message, /not the digest its name gives/);
  });
});
