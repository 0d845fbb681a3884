/**
 * Template refs and versioning through the SDK against a real Kiln server: get with a field mask,
 * list, tags, aliases, name reservations, rename, visibility (a public template as another tenant's
 * base) and delete, with the error classes their refusals map to.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { ConflictError, NotFoundError, Template, type ConnectionOptions } from '../../packages/sdk/src/index.ts';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { KEY_A, KEY_B, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';

let kiln: KilnFixture;
let dataDir: string;
let a: ConnectionOptions;
let b: ConnectionOptions;

before(async () => {
  dataDir = await dataDirWithBusybox();
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
  a = { apiKey: KEY_A, apiUrl: kiln.url };
  b = { apiKey: KEY_B, apiUrl: kiln.url };
});
after(async () => {
  await kiln?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const tiny = (word: string) => Template.fromTemplate('kiln/busybox').runCmd(`echo ${word} > /word`);
const isCode = (cls: Function, code: string) => (err: unknown) => err instanceof cls && (err as { code: string }).code === code;

describe('template refs through the SDK', () => {
  test('get (with a field mask) and list show a template, its tags and builds', async () => {
    const v1 = await Template.build(tiny('one'), 'sdk-ref', { ...a, tags: ['v1'] });
    const t = await Template.get('sdk-ref', a);
    assert.equal(t.name, 'sdk-ref');
    assert.equal(t.visibility, 'private');
    assert.equal(t.builtin, false);
    assert.deepEqual(t.tags.map((x) => [x.tag, x.build_id]), [['v1', v1.build_id]]);
    assert.deepEqual(Object.keys(await Template.get('sdk-ref:v1', { ...a, fields: ['id', 'tags'] })).sort(), ['id', 'tags']);
    assert.equal((await Template.get(t.id, a)).name, 'sdk-ref');
    const builtin = await Template.get('kiln/busybox', a);
    assert.equal(builtin.builtin, true);

    const page = await Template.list({ ...a, name: 'sdk-ref' });
    assert.deepEqual(page.templates.map((x) => x.name), ['sdk-ref']);
    await assert.rejects(Template.get('sdk-ref', b), isCode(NotFoundError, 'template_not_found'), 'another tenant sees nothing');
  });

  test('assignTags moves tags to a build; removeTag removes one', async () => {
    const v2 = await Template.build(tiny('two'), 'sdk-ref', { ...a, tags: ['v2'] });
    const v1 = (await Template.get('sdk-ref', a)).tags.find((x) => x.tag === 'v1')!;
    const moved = await Template.assignTags('sdk-ref:v1', ['stable', 'prod'], a);
    assert.equal(moved.build_id, v1.build_id);
    const byTag = () => Template.get('sdk-ref', a).then((t) => Object.fromEntries(t.tags.map((x) => [x.tag, x.build_id])));
    assert.deepEqual(await byTag(), { v1: v1.build_id, v2: v2.build_id, stable: v1.build_id, prod: v1.build_id });
    await Template.assignTags('sdk-ref', ['stable'], { ...a, buildId: v2.build_id });
    assert.equal((await byTag()).stable, v2.build_id);

    const after = await Template.removeTag('sdk-ref', 'prod', a);
    assert.ok(!after.tags.some((x) => x.tag === 'prod'));
    await assert.rejects(Template.removeTag('sdk-ref', 'prod', a), isCode(NotFoundError, 'tag_not_found'));
  });

  test('rename keeps the old name as an alias; aliases can be listed and removed', async () => {
    const renamed = await Template.rename('sdk-ref', 'sdk-ref-renamed', a);
    assert.equal(renamed.name, 'sdk-ref-renamed');
    assert.deepEqual((await Template.listAliases('sdk-ref-renamed', a)).map((x) => x.alias), ['sdk-ref']);
    assert.equal((await Template.get('sdk-ref', a)).name, 'sdk-ref-renamed', 'the old name still resolves');
    assert.deepEqual(await Template.removeAlias('sdk-ref-renamed', 'sdk-ref', a), []);
    await assert.rejects(Template.removeAlias('sdk-ref-renamed', 'sdk-ref', a), isCode(NotFoundError, 'alias_not_found'));
    await assert.rejects(Template.get('sdk-ref', a), NotFoundError);
  });

  test('a reserved name is taken only by a build that presents its claim token', async () => {
    const r = await Template.reserveName('sdk-reserved', { ...a, ttlSeconds: 600 });
    assert.equal(r.name, 'sdk-reserved');
    assert.match(r.claim_token, /^kct_/);
    await assert.rejects(Template.build(tiny('x'), 'sdk-reserved', a), isCode(ConflictError, 'name_reserved'));
    await assert.rejects(Template.build(tiny('x'), 'sdk-reserved', { ...a, claimToken: 'kct_wrong' }), isCode(ConflictError, 'invalid_claim_token'));
    const info = await Template.build(tiny('x'), 'sdk-reserved', { ...a, claimToken: r.claim_token });
    assert.equal(info.status, 'ready');
  });

  test('a public template is another tenant\'s base but never theirs to change; delete waits until nothing depends on it', async () => {
    const pub = await Template.setVisibility('sdk-ref-renamed', 'public', a);
    assert.equal(pub.visibility, 'public');
    const seen = await Template.get(pub.canonical_ref, b);
    assert.equal(seen.id, pub.id);
    const child = await Template.build(Template.fromTemplate(`${pub.canonical_ref}:v2`).runCmd('cat /word > /from-parent'), 'sdk-child', b);
    assert.equal(child.source_type, 'template_base');
    await assert.rejects(Template.setVisibility(pub.canonical_ref, 'private', b), NotFoundError);
    await assert.rejects(Template.delete(pub.canonical_ref, b), NotFoundError);

    await assert.rejects(Template.delete('sdk-ref-renamed', a), isCode(ConflictError, 'template_in_use'));
    const gone = await Template.delete('sdk-reserved', a);
    assert.deepEqual([gone.name, gone.deleted], ['sdk-reserved', true]);
    await assert.rejects(Template.get('sdk-reserved', a), NotFoundError);
  });
});
