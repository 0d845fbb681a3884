/**
 * `kiln templates …` through the real binary against a real server: ls, get (--fields, --json), tags
 * (list, add, rm), aliases, builds, rename, visibility across tenants, rm; and a build's default name.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { KEY_A, KEY_B, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { runKiln } from '../fixtures/run-cli.ts';

let kiln: KilnFixture;
let dataDir: string;
let work: string;
let env: Record<string, string>;
let envB: Record<string, string>;
const builds: string[] = [];

before(async () => {
  dataDir = await dataDirWithBusybox();
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
  work = await mkdtemp(path.join(tmpdir(), 'kiln-cli-templates-'));
  env = { KILN_API_KEY: KEY_A, KILN_API_URL: kiln.url };
  envB = { KILN_API_KEY: KEY_B, KILN_API_URL: kiln.url };
  // A directory whose name becomes the template name: lowercase, other characters as '-'.
  const dir = path.join(work, 'My Site');
  await mkdir(dir);
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM kiln/busybox\nRUN echo one > /version\n');
  for (const tag of ['v1', 'v2']) {
    const r = await runKiln(['build', dir, '--tag', tag, '--skip-cache', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.name, 'my-site');
    builds.push(info.build_id);
  }
});
after(async () => {
  await kiln?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

test('templates ls and get: a table, the API objects with --json, and a field mask', async () => {
  const ls = await runKiln(['templates', 'ls'], env);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^NAME +ID +VISIBILITY +TAGS +UPDATED$/m);
  assert.match(ls.stdout, /^tenant-a\/my-site +tmpl_[a-z0-9]+ +private +v1,v2 /m);
  const page = JSON.parse((await runKiln(['templates', 'ls', '--json', '--name', 'my-'], env)).stdout);
  assert.deepEqual(page.templates.map((t: { name: string }) => t.name), ['my-site']);
  assert.equal(page.next_cursor, null);
  assert.equal((await runKiln(['templates', 'ls', '--limit', '0'], env)).code, 2);

  const get = JSON.parse((await runKiln(['templates', 'get', 'my-site', '--json'], env)).stdout);
  assert.equal(get.name, 'my-site');
  assert.deepEqual(get.tags.map((t: { tag: string; build_id: string }) => [t.tag, t.build_id]), [['v1', builds[0]], ['v2', builds[1]]]);
  const masked = JSON.parse((await runKiln(['templates', 'get', 'my-site', '--fields', 'id,name', '--json'], env)).stdout);
  assert.deepEqual(Object.keys(masked).sort(), ['id', 'name']);
  const human = await runKiln(['templates', 'get', 'my-site'], env);
  assert.match(human.stdout, /^visibility: +private$/m);
  assert.match(human.stdout, new RegExp(`^ {2}v2 +${builds[1]} `, 'm'));
});

test('templates tags: list, add (to the build the ref names or --build), rm', async () => {
  const list = await runKiln(['templates', 'tags', 'my-site'], env);
  assert.match(list.stdout, /^TAG +BUILD +UPDATED$/m);
  assert.match(list.stdout, new RegExp(`^v1 +${builds[0]} `, 'm'));

  const add = await runKiln(['templates', 'tags', 'my-site:v1', 'add', 'prod', 'stable'], env);
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, `my-site:prod, my-site:stable → ${builds[0]}\n`);
  const moved = await runKiln(['templates', 'tags', 'my-site', 'add', 'prod', '--build', builds[1], '--json'], env);
  assert.equal(JSON.parse(moved.stdout).build_id, builds[1]);
  const tags = JSON.parse((await runKiln(['templates', 'tags', 'my-site', '--json'], env)).stdout);
  assert.deepEqual(tags.map((t: { tag: string; build_id: string }) => [t.tag, t.build_id]),
    [['prod', builds[1]], ['stable', builds[0]], ['v1', builds[0]], ['v2', builds[1]]]);

  const removed = await runKiln(['templates', 'tags', 'my-site', 'rm', 'stable'], env);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, 'removed tag stable of my-site\n');
  const missing = await runKiln(['templates', 'tags', 'my-site', 'rm', 'stable'], env);
  assert.equal(missing.code, 5);
  assert.match(missing.stderr, /^kiln: tag_not_found: /);
  const bad = await runKiln(['templates', 'tags', 'my-site', 'move', 'x'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /the action is add or rm/);
});

test('templates builds lists the history newest first', async () => {
  const page = JSON.parse((await runKiln(['templates', 'builds', 'my-site', '--json'], env)).stdout);
  assert.deepEqual(page.builds.map((b: { build_id: string }) => b.build_id), [builds[1], builds[0]]);
  const human = await runKiln(['templates', 'builds', 'my-site', '--status', 'ready'], env);
  assert.match(human.stdout, new RegExp(`^${builds[1]} +ready +`, 'm'));
});

test('templates rename keeps the old name as an alias; aliases lists and removes it', async () => {
  const r = await runKiln(['templates', 'rename', 'my-site', 'site'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'renamed my-site to site (aliases: my-site)\n');
  const aliases = JSON.parse((await runKiln(['templates', 'aliases', 'site', '--json'], env)).stdout);
  assert.deepEqual(aliases.map((a: { alias: string }) => a.alias), ['my-site']);
  const viaAlias = JSON.parse((await runKiln(['templates', 'get', 'my-site:v2', '--fields', 'name', '--json'], env)).stdout);
  assert.equal(viaAlias.name, 'site');
  const rmAlias = await runKiln(['templates', 'aliases', 'site', 'rm', 'my-site'], env);
  assert.equal(rmAlias.code, 0, rmAlias.stderr);
  assert.match(rmAlias.stdout, /^removed alias my-site\n\(no aliases\)\n$/);
  assert.equal((await runKiln(['templates', 'get', 'my-site'], env)).code, 5);
});

test('templates visibility: another tenant reads a public template, and gets 404 once it is private', async () => {
  const pub = await runKiln(['templates', 'visibility', 'site', 'public'], env);
  assert.equal(pub.code, 0, pub.stderr);
  assert.equal(pub.stdout, 'tenant-a/site is public\n');
  const seen = await runKiln(['templates', 'get', 'tenant-a/site', '--json'], envB);
  assert.equal(seen.code, 0, seen.stderr);
  assert.equal(JSON.parse(seen.stdout).visibility, 'public');
  const write = await runKiln(['templates', 'tags', 'tenant-a/site', 'rm', 'v1'], envB);
  assert.equal(write.code, 5, 'another tenant never changes it');
  assert.match(write.stderr, /^kiln: template_not_found: /);

  assert.equal((await runKiln(['templates', 'visibility', 'site', 'private'], env)).code, 0);
  const hidden = await runKiln(['templates', 'get', 'tenant-a/site'], envB);
  assert.equal(hidden.code, 5);
  assert.match(hidden.stderr, /^kiln: template_not_found: /);
  assert.equal((await runKiln(['templates', 'visibility', 'site', 'secret'], env)).code, 2);
});

test('templates rm deletes the template; its name then answers not found', async () => {
  const r = await runKiln(['templates', 'rm', 'site', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).deleted, true);
  const gone = await runKiln(['templates', 'get', 'site'], env);
  assert.equal(gone.code, 5);
  assert.match(gone.stderr, /^kiln: template_not_found: /);
  const ls = JSON.parse((await runKiln(['templates', 'ls', '--json'], env)).stdout);
  assert.deepEqual(ls.templates, []);
});
