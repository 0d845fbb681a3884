import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { startKiln } from '../fixtures/kiln-server.ts';
import { TEST_DATABASE_URL, postgresReachable } from '../../packages/server/src/store/postgres/test-database.ts';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';


test('on PostgreSQL, concurrent tag assignments and reservations each end with one winner', async (t) => {
  if (!(await postgresReachable(2000))) return t.skip(`PostgreSQL is not reachable at ${TEST_DATABASE_URL}`);
  const schema = `kiln_tags_${randomBytes(6).toString('hex')}`;
  const dataDir = await dataDirWithBusybox();
  const kiln = await startKiln({ KILN_DATABASE_URL: `${TEST_DATABASE_URL}?schema=${schema}`, KILN_WORKER: 'embedded' }, { dataDir });
  try {
    const ids: string[] = [];
    for (const disk_mb of [256, 257]) {
      const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'pg-app', base_image: 'kiln/busybox', build_config: { disk_mb } } });
      assert.equal(res.status, 202, res.text);
      const done = await waitForBuild(kiln, res.body.build_id);
      assert.equal(done.status, 'ready', JSON.stringify(done.log_entries));
      ids.push(done.build_id);
    }
    const targets = Array.from({ length: 12 }, (_, i) => ids[i % 2]);
    const results = await Promise.all(targets.map((build_id) => kiln.request('POST', '/v1/templates/pg-app/tags', { body: { tags: ['race', 'race-2'], build_id } })));
    for (const r of results) assert.equal(r.status, 200, r.text);
    const tags = (await kiln.request('GET', '/v1/templates/pg-app?fields=tags')).body.tags as { tag: string; build_id: string }[];
    const winner = tags.find((x) => x.tag === 'race')!.build_id;
    assert.equal(tags.find((x) => x.tag === 'race-2')!.build_id, winner);
    const builds = await Promise.all(ids.map(async (id) => (await kiln.request('GET', `/v1/templates/builds/${id}`)).body));
    assert.equal(builds.filter((b) => b.tags.includes('race')).length, 1, 'exactly one build carries the tag');
    assert.equal(builds.find((b) => b.tags.includes('race')).build_id, winner);
    const history = await kiln.request('GET', '/v1/templates/pg-app/builds');
    assert.deepEqual(history.body.builds.map((b: { build_id: string }) => b.build_id).sort(), [...ids].sort());

    const reservations = await Promise.all(Array.from({ length: 6 }, () => kiln.request('POST', '/v1/templates/reservations', { body: { name: 'pg-reserved' } })));
    assert.deepEqual(reservations.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409]);
    assert.ok(reservations.filter((r) => r.status === 409).every((r) => r.body.code === 'name_reserved'));
  } finally {
    await kiln.close();
    await rm(dataDir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
  }
});
