/**
 * Store conformance tests for template refs and versioning (listing, public lookups, rename,
 * delete, tag removal, aliases, name reservations, template dependents), registered by
 * `runStoreSuite` inside its describe block for every backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../errors/errors.ts';
import { artifactFixture, buildFixture, isoAt, templateFixture, uniqueId } from './store-fixtures.ts';
import type { Store, TemplateRecord } from './store.ts';

/** Registers the template-ref tests; `store` gives the suite's open store. */
export function templateRefStoreTests(store: () => Store): void {
  async function tenant(): Promise<string> {
    const id = uniqueId('ten');
    await store().ensureTenant(id, isoAt(0));
    return id;
  }
  async function template(tenantId: string, over: Partial<TemplateRecord> = {}): Promise<TemplateRecord> {
    const tpl = templateFixture(tenantId, over);
    await store().insertTemplate(tpl);
    return tpl;
  }
  const isConflict = (err: unknown) => err instanceof KilnError && err.code === 'conflict';

  test('templates: keyset pages newest first, a name prefix, and a bad cursor', async () => {
    const s = store();
    const t = await tenant();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await template(t, { name: i < 3 ? `web_${i}` : `api-${i}`, created_at: isoAt(100 + (i % 2)) }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await s.listTemplates({ tenant_id: t, limit: 2, cursor });
      seen.push(...page.templates.map((x) => x.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    const expected = [...made].sort((a, b) => (b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id))).map((x) => x.id);
    assert.deepEqual(seen, expected);
    // "_" is an ordinary character of the prefix, not a wildcard.
    const prefixed = await s.listTemplates({ tenant_id: t, limit: 10, name_prefix: 'web_' });
    assert.deepEqual(prefixed.templates.map((x) => x.name).sort(), ['web_0', 'web_1', 'web_2']);
    assert.equal((await s.listTemplates({ tenant_id: t, limit: 10, name_prefix: 'web%' })).templates.length, 0);
    assert.deepEqual((await s.listTemplates({ tenant_id: await tenant(), limit: 10 })).templates, []);
    await assert.rejects(s.listTemplates({ tenant_id: t, limit: 2, cursor: 'garbage' }), (e) => e instanceof KilnError && e.code === 'invalid_request');
  });

  test('templates: public lookups across tenants, rename with conflicts, delete frees the name and hides the template', async () => {
    const s = store();
    const [a, b] = [await tenant(), await tenant()];
    const pub = await template(a, { name: uniqueId('pub'), visibility: 'public' });
    const priv = await template(b, { name: pub.name });
    assert.deepEqual((await s.findPublicTemplates({ name: pub.name })).map((x) => x.id), [pub.id]);
    assert.deepEqual((await s.findPublicTemplates({ id: pub.id })).map((x) => x.id), [pub.id]);
    assert.deepEqual(await s.findPublicTemplates({ id: priv.id }), []);
    assert.deepEqual(await s.findPublicTemplates({}), []);

    const other = await template(a);
    await assert.rejects(s.updateTemplate(a, other.id, { name: pub.name, updated_at: isoAt(5) }), isConflict);
    const renamed = await s.updateTemplate(a, other.id, { name: `${other.name}-2`, visibility: 'public', description: 'd', updated_at: isoAt(6) });
    assert.deepEqual(renamed, { ...other, name: `${other.name}-2`, visibility: 'public', description: 'd', updated_at: isoAt(6) });
    assert.equal(await s.updateTemplate(b, other.id, { visibility: 'private', updated_at: isoAt(7) }), undefined, 'another tenant cannot change it');

    const build = buildFixture(pub, { status: 'ready' });
    await s.insertBuild(build);
    await s.moveTemplateTag({ tenant_id: a, template_id: pub.id, tag: 'prod', build_id: build.id, updated_at: isoAt(8) });
    await s.insertTemplateAlias({ tenant_id: a, alias: uniqueId('old'), template_id: pub.id, created_at: isoAt(8) });
    assert.equal(await s.deleteTemplate(b, pub.id, isoAt(9)), false, 'another tenant cannot delete it');
    assert.equal(await s.deleteTemplate(a, pub.id, isoAt(9)), true);
    assert.equal(await s.deleteTemplate(a, pub.id, isoAt(10)), false, 'deleted once');
    assert.equal(await s.getTemplate(a, pub.id), undefined);
    assert.equal(await s.findTemplateByName(a, pub.name), undefined);
    assert.deepEqual(await s.findPublicTemplates({ name: pub.name }), []);
    assert.deepEqual(await s.listTemplateTags(a, pub.id), []);
    assert.deepEqual(await s.listTemplateAliases(a, pub.id), []);
    assert.ok(!(await s.listTemplates({ tenant_id: a, limit: 100 })).templates.some((x) => x.id === pub.id));
    assert.deepEqual(await s.getBuild(a, build.id), build, 'its builds stay, for retention');
    await template(a, { name: pub.name });
  });

  test('tags: removal returns the tag, is per tenant, and is serialised with moves', async () => {
    const s = store();
    const t = await tenant();
    const tpl = await template(t);
    const build = buildFixture(tpl, { status: 'ready' });
    await s.insertBuild(build);
    const rec = { tenant_id: t, template_id: tpl.id, tag: 'v1', build_id: build.id, updated_at: isoAt(1) };
    await s.moveTemplateTag(rec);
    assert.equal(await s.deleteTemplateTag(await tenant(), tpl.id, 'v1'), undefined);
    assert.deepEqual(await s.deleteTemplateTag(t, tpl.id, 'v1'), rec);
    assert.equal(await s.deleteTemplateTag(t, tpl.id, 'v1'), undefined);
    const ops = Array.from({ length: 6 }, (_, i) => (i % 2
      ? s.transaction((tx) => tx.deleteTemplateTag(t, tpl.id, 'race'))
      : s.transaction((tx) => tx.moveTemplateTag({ ...rec, tag: 'race', updated_at: isoAt(10 + i) }))));
    await Promise.all(ops);
    assert.ok((await s.listTemplateTags(t, tpl.id)).length <= 1);
  });

  test('aliases: unique per tenant, found by alias, removable, invisible to other tenants', async () => {
    const s = store();
    const [t, u] = [await tenant(), await tenant()];
    const tpl = await template(t);
    const alias = uniqueId('al');
    await s.insertTemplateAlias({ tenant_id: t, alias, template_id: tpl.id, created_at: isoAt(1) });
    await assert.rejects(s.insertTemplateAlias({ tenant_id: t, alias, template_id: (await template(t)).id, created_at: isoAt(2) }), isConflict);
    await s.insertTemplateAlias({ tenant_id: u, alias, template_id: (await template(u)).id, created_at: isoAt(2) });
    assert.deepEqual(await s.findTemplateByAlias(t, alias), tpl);
    assert.deepEqual(await s.listTemplateAliases(t, tpl.id), [{ tenant_id: t, alias, template_id: tpl.id, created_at: isoAt(1) }]);
    assert.deepEqual(await s.listTemplateAliases(u, tpl.id), []);
    assert.equal(await s.deleteTemplateAlias(u, tpl.id, alias), false);
    assert.equal(await s.deleteTemplateAlias(t, tpl.id, alias), true);
    assert.equal(await s.findTemplateByAlias(t, alias), undefined);
  });

  test('name reservations: one live holder, replaced after expiry, removable', async () => {
    const s = store();
    const t = await tenant();
    const rec = { tenant_id: t, name: 'reserved', token_hash: 'a'.repeat(64), created_at: isoAt(0), expires_at: isoAt(100) };
    assert.equal(await s.putNameReservation(rec, isoAt(0)), true);
    assert.equal(await s.putNameReservation({ ...rec, token_hash: 'b'.repeat(64) }, isoAt(50)), false);
    assert.deepEqual(await s.getNameReservation(t, 'reserved'), rec);
    assert.equal(await s.getNameReservation(await tenant(), 'reserved'), undefined);
    const later = { ...rec, token_hash: 'c'.repeat(64), created_at: isoAt(101), expires_at: isoAt(200) };
    assert.equal(await s.putNameReservation(later, isoAt(101)), true);
    assert.deepEqual(await s.getNameReservation(t, 'reserved'), later);
    const racers = await Promise.all(['d', 'e', 'f'].map((c) => s.putNameReservation({ ...later, token_hash: c.repeat(64), expires_at: isoAt(300) }, isoAt(201))));
    assert.equal(racers.filter(Boolean).length, 1, 'one of racing reservations of an expired name wins');
    await s.deleteNameReservation(t, 'reserved');
    assert.equal(await s.getNameReservation(t, 'reserved'), undefined);
  });

  test('template dependents: live builds of other templates that still need the base, across tenants', async () => {
    const s = store();
    const [t, u] = [await tenant(), await tenant()];
    const base = await template(t, { visibility: 'public' });
    const child = await template(t);
    const foreign = await template(u);
    const ready = buildFixture(child, { status: 'ready', created_at: isoAt(30) });
    const expired = buildFixture(child, { status: 'ready', created_at: isoAt(31) });
    const failed = buildFixture(child, { status: 'error', created_at: isoAt(32) });
    const waiting = buildFixture(foreign, { status: 'waiting', created_at: isoAt(33) });
    const own = buildFixture(base, { status: 'building', created_at: isoAt(34) });
    for (const b of [ready, expired, failed, waiting, own]) await s.insertBuild(b);
    const artReady = artifactFixture(ready);
    const artExpired = artifactFixture(expired, { status: 'expired' });
    await s.insertArtifact(artReady);
    await s.insertArtifact(artExpired);
    await s.updateBuild(t, ready.id, { artifact_id: artReady.id });
    await s.updateBuild(t, expired.id, { artifact_id: artExpired.id });
    for (const b of [ready, expired, failed, waiting, own]) await s.addBuildTemplateBases(b.id, [base.id, base.id]);

    const deps = await s.listTemplateDependents(base.id, 10);
    assert.deepEqual(deps, [
      { tenant_id: u, template_id: foreign.id, template_name: foreign.name, build_id: waiting.id, status: 'waiting' },
      { tenant_id: t, template_id: child.id, template_name: child.name, build_id: ready.id, status: 'ready' },
    ]);
    assert.equal((await s.listTemplateDependents(base.id, 1)).length, 1);
    await s.deleteTemplate(u, foreign.id, isoAt(40));
    assert.deepEqual((await s.listTemplateDependents(base.id, 10)).map((d) => d.build_id), [ready.id]);
  });
}
