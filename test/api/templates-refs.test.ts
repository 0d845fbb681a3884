import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startKiln, KEY_B, type KilnFixture, type TestResponse } from '../fixtures/kiln-server.ts';

// Without a worker, builds stay waiting: enough to make templates, names and aliases through the API.
let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

const enc = encodeURIComponent;
const asB = { key: KEY_B };

async function startBuild(body: Record<string, unknown>, key?: string): Promise<any> {
  const res = await kiln.request('POST', '/v1/templates/builds', { body: { base_image: 'debian:bookworm', ...body }, key });
  assert.equal(res.status, 202, res.text);
  return res.body;
}

function assertError(res: TestResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.code, code, res.text);
  if (message) assert.match(res.body.message, message);
}

/** The body of a 404 without its request id, to compare two of them. */
const withoutId = (res: TestResponse) => ({ ...res.body, request_id: undefined, error: undefined, message: res.body.message.replace(/"[^"]*"/, '"…"') });

describe('template refs: get and list', () => {
  let web: any;
  before(async () => { web = await startBuild({ name: 'web', tags: ['v1'] }); });

  test('a template is found by id, name, name:tb_…, and in its own namespace, with every field', async () => {
    const byName = await kiln.request('GET', '/v1/templates/web');
    assert.equal(byName.status, 200, byName.text);
    assert.deepEqual(Object.keys(byName.body), ['id', 'name', 'description', 'tags', 'default_tag', 'builtin', 'canonical_ref', 'namespace_slug', 'visibility', 'aliases', 'created_at', 'updated_at']);
    assert.equal(byName.body.id, web.template_id);
    assert.equal(byName.body.name, 'web');
    assert.equal(byName.body.builtin, false);
    assert.equal(byName.body.namespace_slug, 'tenant-a');
    assert.equal(byName.body.canonical_ref, 'tenant-a/web');
    assert.equal(byName.body.visibility, 'private');
    assert.deepEqual(byName.body.tags, [], 'a waiting build carries no tag yet');
    assert.equal(byName.body.default_tag, null);
    for (const ref of [web.template_id, `web:${web.build_id}`, 'tenant-a/web', `tenant-a/web:${web.build_id}`, byName.body.canonical_ref]) {
      const res = await kiln.request('GET', `/v1/templates/${enc(ref)}`);
      assert.equal(res.status, 200, `${ref}: ${res.text}`);
      assert.equal(res.body.id, web.template_id, ref);
    }
  });

  test('the fields mask returns only the fields asked for; an unknown field is a 400 naming it', async () => {
    const res = await kiln.request('GET', '/v1/templates/web?fields=id,name,visibility');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { id: web.template_id, name: 'web', visibility: 'private' });
    const tags = await kiln.request('GET', '/v1/templates/web?fields=default_tag,tags');
    assert.deepEqual(Object.keys(tags.body), ['tags', 'default_tag']);
    assertError(await kiln.request('GET', '/v1/templates/web?fields=id,owner'), 400, 'invalid_request', /"owner".*choose from id, name/);
  });

  test('a ref that names nothing is a 404, and another tenant\'s private template answers exactly the same', async () => {
    const missing = await kiln.request('GET', '/v1/templates/no-such-template', asB);
    assertError(missing, 404, 'template_not_found');
    for (const ref of ['web', web.template_id, 'tenant-a/web', `tenant-a/web:${web.build_id}`]) {
      const foreign = await kiln.request('GET', `/v1/templates/${enc(ref)}`, asB);
      assertError(foreign, 404, 'template_not_found');
      assert.deepEqual(withoutId(foreign), withoutId(missing), ref);
    }
    assertError(await kiln.request('GET', '/v1/templates/web:nope'), 404, 'template_not_found', /has no tag "nope"/);
    assertError(await kiln.request('GET', '/v1/templates/web:tb_aaaaaaaaaaaaaaaaaaaa'), 404, 'template_not_found', /has no build/);
    assertError(await kiln.request('GET', `/v1/templates/${enc('Not A Ref!')}`), 404, 'template_not_found');
  });

  test('the list pages the tenant\'s templates newest first, filters by name prefix, and shows no other tenant\'s', async () => {
    for (const name of ['list-a', 'list-b', 'list-c', 'other-d']) await startBuild({ name });
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const res = await kiln.request('GET', `/v1/templates?limit=2${cursor ? `&cursor=${enc(cursor)}` : ''}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.templates.length <= 2);
      seen.push(...res.body.templates);
      cursor = res.body.next_cursor;
    } while (cursor);
    const names = seen.map((t) => t.name);
    assert.equal(new Set(names).size, names.length, 'no template twice');
    for (const n of ['web', 'list-a', 'list-b', 'list-c', 'other-d']) assert.ok(names.includes(n), n);
    const created = seen.map((t) => t.created_at);
    assert.deepEqual(created, [...created].sort().reverse(), 'newest first');

    const prefixed = await kiln.request('GET', '/v1/templates?name=list-&fields=name');
    assert.deepEqual(prefixed.body.templates.map((t: { name: string }) => t.name).sort(), ['list-a', 'list-b', 'list-c']);
    assert.deepEqual(prefixed.body.templates[0], { name: prefixed.body.templates[0].name }, 'the mask applies to the list');
    const theirs = await kiln.request('GET', '/v1/templates', asB);
    assert.ok(!theirs.body.templates.some((t: { name: string }) => names.includes(t.name)));
    assertError(await kiln.request('GET', '/v1/templates?cursor=bogus'), 400, 'invalid_request', /cursor/);
    assertError(await kiln.request('GET', '/v1/templates?limit=500'), 400, 'invalid_request');
  });
});

describe('aliases', () => {
  test('a build\'s alias besides its name becomes an alias that resolves to the template; names and aliases share one namespace', async () => {
    const first = await startBuild({ name: 'svc', alias: 'svc-legacy' });
    const aliases = await kiln.request('GET', '/v1/templates/svc/aliases');
    assert.equal(aliases.status, 200, aliases.text);
    assert.equal(aliases.body.template_id, first.template_id);
    assert.deepEqual(aliases.body.aliases.map((a: { alias: string }) => a.alias), ['svc-legacy']);
    assert.equal((await kiln.request('GET', '/v1/templates/svc-legacy')).body.id, first.template_id);
    assert.deepEqual((await kiln.request('GET', '/v1/templates/svc?fields=aliases')).body, { aliases: ['svc-legacy'] });

    const viaAlias = await startBuild({ name: 'svc-legacy' });
    assert.equal(viaAlias.template_id, first.template_id, 'a build naming the alias builds the same template');
    assert.equal(viaAlias.name, 'svc');

    await startBuild({ name: 'svc-two' });
    assertError(await kiln.request('POST', '/v1/templates/builds', { body: { name: 'svc-three', alias: 'svc-two', base_image: 'debian:bookworm' } }), 409, 'name_in_use', /svc-two.*svc-two/);
    assert.equal((await kiln.request('GET', '/v1/templates/svc-three')).status, 404, 'the refused build made no template');
  });

  test('removing an alias frees the name; another tenant cannot remove it; a missing alias is a 404', async () => {
    await startBuild({ name: 'api', alias: 'api-old' });
    assertError(await kiln.request('DELETE', '/v1/templates/api/aliases/api-old', asB), 404, 'template_not_found');
    const removed = await kiln.request('DELETE', '/v1/templates/api/aliases/api-old');
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.body.aliases, []);
    assertError(await kiln.request('DELETE', '/v1/templates/api/aliases/api-old'), 404, 'alias_not_found');
    assertError(await kiln.request('GET', '/v1/templates/api-old'), 404, 'template_not_found');
    const fresh = await startBuild({ name: 'api-old' });
    assert.notEqual(fresh.template_id, (await kiln.request('GET', '/v1/templates/api')).body.id);
  });
});

describe('name reservations', () => {
  test('a reserved name is taken only by a build with its claim_token, and the token is never stored', async () => {
    const res = await kiln.request('POST', '/v1/templates/reservations', { body: { name: 'claimed', ttl_seconds: 600 } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.name, 'claimed');
    assert.match(res.body.claim_token, /^kct_[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(res.body.expires_at);
    assert.ok(expires > Date.now() + 590_000 && expires <= Date.now() + 600_000);
    const token = res.body.claim_token;

    assertError(await kiln.request('POST', '/v1/templates/reservations', { body: { name: 'claimed' } }), 409, 'name_reserved', /already reserved/);
    const build = (body: Record<string, unknown>) => kiln.request('POST', '/v1/templates/builds', { body: { name: 'claimed', base_image: 'debian:bookworm', ...body } });
    assertError(await build({}), 409, 'name_reserved', /claim_token/);
    assertError(await build({ claim_token: 'kct_wrong' }), 409, 'invalid_claim_token', /does not match/);
    const compat = await kiln.request('POST', '/v1/templates/build', { body: { name: 'claimed', from_image: 'debian:bookworm', cpu: 2, memory: 2048, diskGB: 10 } });
    assert.equal(compat.status, 409, compat.text);
    assert.equal(compat.body.kiln_code, 'name_reserved');

    // Another tenant's names are its own: the reservation is per tenant.
    await startBuild({ name: 'claimed' }, KEY_B);

    const ok = await build({ claim_token: token });
    assert.equal(ok.status, 202, ok.text);
    const again = await build({});
    assert.equal(again.status, 202, 'once the template exists, later builds need no token');
    assert.equal(again.body.template_id, ok.body.template_id);
    assertError(await kiln.request('POST', '/v1/templates/reservations', { body: { name: 'claimed' } }), 409, 'name_in_use');

    const db = await readFile(path.join(kiln.dataDir, 'kiln.db')).then((b) => b.toString('latin1'));
    const wal = await readFile(path.join(kiln.dataDir, 'kiln.db-wal')).then((b) => b.toString('latin1'), () => '');
    assert.ok(!db.includes(token) && !wal.includes(token), 'the claim token is not in the database');
  });

  test('a claim_token for a name without a live reservation, and malformed reservations, are refused with clear codes', async () => {
    assertError(await kiln.request('POST', '/v1/templates/builds', { body: { name: 'never-reserved', base_image: 'debian:bookworm', claim_token: 'kct_x' } }), 409, 'invalid_claim_token', /not reserved/);
    assertError(await kiln.request('POST', '/v1/templates/reservations', { body: { name: 'Bad Name' } }), 400, 'invalid_name');
    assertError(await kiln.request('POST', '/v1/templates/reservations', { body: { name: 'ok-name', ttl_seconds: 5 } }), 400, 'invalid_request', /ttl_seconds/);
    assertError(await kiln.request('POST', '/v1/templates/reservations', { body: ['x'] }), 400, 'invalid_request');
  });
});

describe('rename and visibility', () => {
  test('a rename keeps the old name as an alias; refs, history and later builds through it reach the template', async () => {
    const b = await startBuild({ name: 'old-name' });
    const res = await kiln.request('POST', '/v1/templates/old-name/rename', { body: { name: 'new-name' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, 'new-name');
    assert.deepEqual(res.body.aliases, ['old-name']);
    assert.equal((await kiln.request('GET', '/v1/templates/old-name')).body.id, b.template_id);
    const history = await kiln.request('GET', '/v1/templates/old-name/builds');
    assert.deepEqual(history.body.builds.map((x: { build_id: string }) => x.build_id), [b.build_id]);
    assert.equal((await startBuild({ name: 'old-name' })).template_id, b.template_id);

    const back = await kiln.request('POST', `/v1/templates/${b.template_id}/rename`, { body: { name: 'old-name', keep_alias: false } });
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.name, 'old-name');
    assert.deepEqual(back.body.aliases, [], 'taking its own alias back removes it, and keep_alias false keeps no new one');
    assertError(await kiln.request('GET', '/v1/templates/new-name'), 404, 'template_not_found');
  });

  test('a rename onto another template\'s name, a reserved name or an invalid name is refused; other tenants get 404', async () => {
    await startBuild({ name: 'ren-a' });
    await startBuild({ name: 'ren-b' });
    assertError(await kiln.request('POST', '/v1/templates/ren-a/rename', { body: { name: 'ren-b' } }), 409, 'name_in_use');
    assertError(await kiln.request('POST', '/v1/templates/ren-a/rename', { body: { name: 'Ren B' } }), 400, 'invalid_name');
    const r = await kiln.request('POST', '/v1/templates/reservations', { body: { name: 'ren-c' } });
    assertError(await kiln.request('POST', '/v1/templates/ren-a/rename', { body: { name: 'ren-c' } }), 409, 'name_reserved');
    const ok = await kiln.request('POST', '/v1/templates/ren-a/rename', { body: { name: 'ren-c', claim_token: r.body.claim_token } });
    assert.equal(ok.status, 200, ok.text);
    assertError(await kiln.request('POST', '/v1/templates/ren-c/rename', { body: { name: 'theirs-now' }, key: KEY_B }), 404, 'template_not_found');
    assert.equal((await kiln.request('GET', '/v1/templates/ren-c')).body.name, 'ren-c');
  });

  test('a public template is readable by other tenants in its namespace and by id, usable as their base, never changed by them', async () => {
    const b = await startBuild({ name: 'shared', tags: ['prod'] });
    const pub = await kiln.request('POST', '/v1/templates/shared/visibility', { body: { visibility: 'public' } });
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.body.visibility, 'public');

    for (const ref of ['tenant-a/shared', b.template_id]) {
      const res = await kiln.request('GET', `/v1/templates/${enc(ref)}`, asB);
      assert.equal(res.status, 200, `${ref}: ${res.text}`);
      assert.equal(res.body.id, b.template_id);
      assert.equal(res.body.namespace_slug, 'tenant-a');
    }
    assert.equal((await kiln.request('GET', '/v1/templates/shared/aliases', asB)).status, 404, 'a bare name is the caller\'s own namespace');
    assert.equal((await kiln.request('GET', `/v1/templates/${enc('tenant-a/shared')}/aliases`, asB)).status, 200);
    const plan = await kiln.request('POST', '/v1/templates/plan', { body: { name: 'derived', base_image: 'tenant-a/shared' }, key: KEY_B });
    assert.equal(plan.status, 200, plan.text);
    assert.equal(plan.body.source_type, 'template_base');

    const writes: [string, string, unknown][] = [
      ['POST', '/rename', { name: 'stolen' }], ['POST', '/visibility', { visibility: 'private' }], ['POST', '/tags', { tags: ['x'] }],
      ['DELETE', '/tags/prod', undefined], ['DELETE', '/aliases/x', undefined], ['DELETE', '', undefined], ['GET', '/builds', undefined],
    ];
    for (const [method, suffix, body] of writes) {
      for (const ref of ['tenant-a/shared', b.template_id]) {
        assertError(await kiln.request(method, `/v1/templates/${enc(ref)}${suffix}`, { body, key: KEY_B }), 404, 'template_not_found');
      }
    }
    const mine = await kiln.request('GET', '/v1/templates/shared');
    assert.equal(mine.body.name, 'shared');
    assert.equal(mine.body.visibility, 'public');

    const priv = await kiln.request('POST', '/v1/templates/shared/visibility', { body: { visibility: 'private' } });
    assert.equal(priv.body.visibility, 'private');
    assertError(await kiln.request('GET', `/v1/templates/${enc('tenant-a/shared')}`, asB), 404, 'template_not_found');
    const after = await kiln.request('POST', '/v1/templates/plan', { body: { name: 'derived', base_image: 'tenant-a/shared' }, key: KEY_B });
    assert.notEqual(after.body.source_type, 'template_base', 'a private template is no base for other tenants');
    assertError(await kiln.request('POST', '/v1/templates/shared/visibility', { body: { visibility: 'everyone' } }), 400, 'invalid_request', /public.*private/);
  });
});

describe('delete', () => {
  test('a template with a waiting build cannot be deleted; once it ended, delete removes the template, its builds and its name', async () => {
    const b = await startBuild({ name: 'doomed', alias: 'doomed-alias' });
    assertError(await kiln.request('DELETE', '/v1/templates/doomed'), 409, 'template_in_use', new RegExp(`${b.build_id} is waiting.*cancel`));
    assert.equal((await kiln.request('POST', `/v1/templates/builds/${b.build_id}/cancel`, { body: { reason: 'to delete' } })).status, 200);
    assertError(await kiln.request('DELETE', '/v1/templates/doomed', asB), 404, 'template_not_found');

    const del = await kiln.request('DELETE', '/v1/templates/doomed-alias');
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.body, { id: b.template_id, name: 'doomed', deleted: true });
    for (const ref of ['doomed', 'doomed-alias', b.template_id]) assertError(await kiln.request('GET', `/v1/templates/${ref}`), 404, 'template_not_found');
    assertError(await kiln.request('GET', `/v1/templates/builds/${b.build_id}`), 404, 'not_found');
    assertError(await kiln.request('DELETE', '/v1/templates/doomed'), 404, 'template_not_found');
    const reborn = await startBuild({ name: 'doomed', alias: 'doomed-alias' });
    assert.notEqual(reborn.template_id, b.template_id, 'the name and alias are free again');
  });

  test('a template that another template\'s waiting build starts from cannot be deleted', async () => {
    const base = await startBuild({ name: 'base-tpl' });
    await kiln.request('POST', `/v1/templates/builds/${base.build_id}/cancel`, { body: {} });
    const child = await startBuild({ name: 'child-tpl', base_image: 'base-tpl' });
    assert.equal(child.source_type, 'template_base');
    assertError(await kiln.request('DELETE', '/v1/templates/base-tpl'), 409, 'template_in_use', new RegExp(`base of template child-tpl \\(build ${child.build_id}, waiting\\)`));
    await kiln.request('POST', `/v1/templates/builds/${child.build_id}/cancel`, { body: {} });
    assert.equal((await kiln.request('DELETE', '/v1/templates/base-tpl')).status, 200, 'a cancelled build needs its base no more');
  });
});
