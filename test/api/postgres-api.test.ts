import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startKiln } from '../fixtures/kiln-server.ts';
import { TEST_DATABASE_URL, postgresReachable } from '../../packages/server/src/store/postgres/test-database.ts';


test('the API runs on PostgreSQL: start, get, history, cancel', async (t) => {
  if (!(await postgresReachable(2000))) return t.skip(`PostgreSQL is not reachable at ${TEST_DATABASE_URL}`);
  const schema = `kiln_api_${randomBytes(6).toString('hex')}`;
  const kiln = await startKiln({ KILN_DATABASE_URL: `${TEST_DATABASE_URL}?schema=${schema}` });
  try {
    const ids: string[] = [];
    for (const tag of ['a', 'b', 'c']) {
      const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'pg', base_image: 'debian:bookworm', tags: [tag] } });
      assert.equal(res.status, 202, res.text);
      ids.push(res.body.build_id);
    }
    const page1 = await kiln.request('GET', '/v1/templates/pg/builds?limit=2');
    const page2 = await kiln.request('GET', `/v1/templates/pg/builds?limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
    assert.deepEqual([...page1.body.builds, ...page2.body.builds].map((b: { build_id: string }) => b.build_id), [...ids].reverse());
    assert.equal(page2.body.next_cursor, null);
    const cancel = await kiln.request('POST', `/v1/templates/builds/${ids[0]}/cancel`, { body: { reason: 'pg test' } });
    assert.equal(cancel.body.build.status, 'cancelled');
    const got = await kiln.request('GET', `/v1/templates/builds/${ids[0]}`);
    assert.deepEqual(got.body.log_entries.map((e: { offset: number; kind: string }) => [e.offset, e.kind]), [[0, 'cancelled'], [1, 'end']]);
  } finally {
    await kiln.close();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
});
