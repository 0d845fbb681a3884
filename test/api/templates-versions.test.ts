import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { startKiln, KEY_B, type KilnFixture, type TestResponse } from '../fixtures/kiln-server.ts';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';

// Real ready builds: image imports of the builtin busybox base by the embedded worker (no registry).
let kiln: KilnFixture;
let dataDir: string;
before(async () => {
  dataDir = await dataDirWithBusybox();
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
});
after(async () => {
  await kiln?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const enc = encodeURIComponent;

/** A ready build of `name` (disk_mb makes builds of one template differ, so each has its own artifact). */
async function readyBuild(name: string, opts: { diskMb?: number; base?: string; tags?: string[]; key?: string } = {}): Promise<any> {
  const body = { name, base_image: opts.base ?? 'kiln/busybox', build_config: { disk_mb: opts.diskMb ?? 256 }, ...(opts.tags ? { tags: opts.tags } : {}) };
  const res = await kiln.request('POST', '/v1/templates/builds', { body, key: opts.key });
  assert.equal(res.status, 202, res.text);
  const done = await waitForBuild(kiln, res.body.build_id, { key: opts.key });
  assert.equal(done.status, 'ready', JSON.stringify(done.log_entries));
  return done;
}

function assertError(res: TestResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.code, code, res.text);
  if (message) assert.match(res.body.message, message);
}

const buildOf = async (id: string, key?: string) => (await kiln.request('GET', `/v1/templates/builds/${id}`, { key })).body;

describe('builtin templates', () => {
  test('kiln/busybox is readable by every tenant with its image tag, listed by no tenant, changed by none', async () => {
    for (const key of [undefined, KEY_B]) {
      const res = await kiln.request('GET', `/v1/templates/${enc('kiln/busybox')}`, { key });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.builtin, true);
      assert.equal(res.body.namespace_slug, 'kiln');
      assert.equal(res.body.canonical_ref, 'kiln/busybox');
      assert.equal(res.body.visibility, 'public');
      assert.deepEqual(res.body.tags.map((t: { tag: string; build_id: null }) => [t.tag, t.build_id]), [['latest', null]]);
      assert.equal(res.body.default_tag, 'latest');
      assert.equal((await kiln.request('GET', `/v1/templates/${res.body.id}`, { key })).body.name, 'busybox');
    }
    const list = await kiln.request('GET', '/v1/templates?fields=name,builtin');
    assert.ok(!list.body.templates.some((t: { builtin: boolean }) => t.builtin));
    for (const [method, suffix, body] of [['POST', '/rename', { name: 'mine' }], ['POST', '/visibility', { visibility: 'private' }], ['DELETE', '', undefined]] as const) {
      assertError(await kiln.request(method, `/v1/templates/${enc('kiln/busybox')}${suffix}`, { body }), 404, 'template_not_found');
    }
  });
});

describe('tags', () => {
  let a: any;
  let b: any;
  before(async () => {
    a = await readyBuild('app', { diskMb: 256, tags: ['v1'] });
    b = await readyBuild('app', { diskMb: 257, tags: ['v2'] });
  });

  test('assigning tags points them at the build (default: the build the ref names) and moves them off the build they were on', async () => {
    const res = await kiln.request('POST', '/v1/templates/app/tags', { body: { tags: ['prod', 'stable'], build_id: a.build_id } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.build_id, a.build_id);
    assert.deepEqual(res.body.tags, ['prod', 'stable']);
    const byTag = Object.fromEntries(res.body.template.tags.map((t: { tag: string; build_id: string }) => [t.tag, t.build_id]));
    assert.deepEqual(byTag, { v1: a.build_id, v2: b.build_id, prod: a.build_id, stable: a.build_id });
    assert.deepEqual((await buildOf(a.build_id)).tags.sort(), ['prod', 'stable', 'v1']);

    const moved = await kiln.request('POST', `/v1/templates/${enc('app:v2')}/tags`, { body: { tags: ['prod'] } });
    assert.equal(moved.body.build_id, b.build_id, 'app:v2 names build b');
    assert.deepEqual((await buildOf(a.build_id)).tags.sort(), ['stable', 'v1']);
    assert.deepEqual((await buildOf(b.build_id)).tags.sort(), ['prod', 'v2']);
    const viaBuildRef = await kiln.request('POST', `/v1/templates/${enc(`tenant-a/app:${a.build_id}`)}/tags`, { body: { tags: ['pinned'] } });
    assert.equal(viaBuildRef.body.build_id, a.build_id);
    assert.equal((await kiln.request('GET', `/v1/templates/${enc('app:pinned')}?fields=id`)).status, 200);
  });

  test('two builds racing for one tag end with one winner, and both stay in the history', async () => {
    const targets = Array.from({ length: 10 }, (_, i) => (i % 2 ? a.build_id : b.build_id));
    const results = await Promise.all(targets.map((build_id) => kiln.request('POST', '/v1/templates/app/tags', { body: { tags: ['race', 'race-2'], build_id } })));
    for (const r of results) assert.equal(r.status, 200, r.text);
    const tpl = (await kiln.request('GET', '/v1/templates/app?fields=tags')).body;
    const winner = tpl.tags.find((t: { tag: string }) => t.tag === 'race').build_id;
    assert.equal(tpl.tags.find((t: { tag: string }) => t.tag === 'race-2').build_id, winner, 'tags assigned together move together');
    const [ba, bb] = [await buildOf(a.build_id), await buildOf(b.build_id)];
    assert.equal([ba, bb].filter((x) => x.tags.includes('race')).length, 1, 'exactly one build carries the tag');
    assert.ok((winner === a.build_id ? ba : bb).tags.includes('race'));
    const history = await kiln.request('GET', '/v1/templates/app/builds');
    assert.deepEqual(history.body.builds.map((x: { build_id: string }) => x.build_id), [b.build_id, a.build_id]);
  });

  test('removing tags: the build loses it, and its artifact expires once no tag reaches it', async () => {
    const untag = async (tag: string) => kiln.request('DELETE', `/v1/templates/app/tags/${tag}`);
    const c = await readyBuild('app', { diskMb: 258, tags: ['only'] });
    assert.equal(c.retention_expires_at, null);
    const res = await untag('only');
    assert.equal(res.status, 200, res.text);
    assert.ok(!res.body.tags.some((t: { tag: string }) => t.tag === 'only'));
    const after = await buildOf(c.build_id);
    assert.deepEqual(after.tags, []);
    assert.ok(after.retention_expires_at && Date.parse(after.retention_expires_at) > Date.now(), 'an untagged artifact follows retention');
    assertError(await untag('only'), 404, 'tag_not_found');
    assertError(await kiln.request('DELETE', '/v1/templates/app/tags/v1', { key: KEY_B }), 404, 'template_not_found');
  });

  test('bad tags, a foreign build id and a build without an artifact are refused with clear codes', async () => {
    const post = (body: unknown) => kiln.request('POST', '/v1/templates/app/tags', { body });
    assertError(await post({ tags: [] }), 400, 'invalid_tags');
    assertError(await post({ tags: ['tb_x'] }), 400, 'invalid_tags', /reserved/);
    assertError(await post({ tags: ['a', 'a'] }), 400, 'invalid_tags');
    assertError(await post({ tags: ['ok'], build_id: 7 }), 400, 'invalid_request');
    const other = await readyBuild('other-app');
    assertError(await post({ tags: ['ok'], build_id: other.build_id }), 404, 'not_found', /not a build of template app/);
    const failed = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'app', base_image: 'kiln/no-such-base' } });
    assert.equal((await waitForBuild(kiln, failed.body.build_id)).status, 'error');
    assertError(await post({ tags: ['ok'], build_id: failed.body.build_id }), 409, 'build_not_promotable', /build_failed/);
  });
});

describe('public bases and delete', () => {
  test('another tenant builds on a public template by namespace/name:tag; its owner cannot delete it while that build is kept', async () => {
    const base = await readyBuild('toolbox', { tags: ['stable'] });
    assert.equal((await kiln.request('POST', '/v1/templates/toolbox/visibility', { body: { visibility: 'public' } })).status, 200);

    const derived = await readyBuild('derived', { base: 'tenant-a/toolbox:stable', key: KEY_B });
    assert.equal(derived.source_type, 'template_base');
    assert.ok(derived.log_entries.some((e: { message: string }) => e.message.includes(base.build_id)), 'the base build is the one the tag names');
    const own = await readyBuild('own-child', { base: 'toolbox' });

    assertError(await kiln.request('DELETE', '/v1/templates/toolbox'), 409, 'template_in_use', new RegExp(`template own-child \\(build ${own.build_id}, ready\\).*1 build of other tenants`));
    assert.equal((await kiln.request('DELETE', '/v1/templates/own-child')).status, 200);
    assertError(await kiln.request('DELETE', '/v1/templates/toolbox'), 409, 'template_in_use', /^(?!.*own-child).*1 build of other tenants/);
    assertError(await kiln.request('DELETE', `/v1/templates/${enc('tenant-a/toolbox')}`, { key: KEY_B }), 404, 'template_not_found');
    assert.equal((await kiln.request('DELETE', '/v1/templates/derived', { key: KEY_B })).status, 200);

    const del = await kiln.request('DELETE', '/v1/templates/toolbox');
    assert.equal(del.status, 200, del.text);
    assertError(await kiln.request('GET', `/v1/templates/builds/${base.build_id}`), 404, 'not_found');
    assertError(await kiln.request('GET', `/v1/templates/builds/${base.build_id}/artifact`), 404, 'not_found');
    assertError(await kiln.request('POST', `/v1/templates/builds/${base.build_id}/promote`, { body: { tag: 'back' } }), 404, 'not_found');
  });
});
