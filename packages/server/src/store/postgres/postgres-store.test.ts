import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStore } from '../create-store.ts';
import { runStoreSuite } from '../store-suite.ts';
import { TEST_DATABASE_URL, postgresReachable } from './test-database.ts';

const url = TEST_DATABASE_URL;
const schema = `kiln_test_${randomBytes(6).toString('hex')}`;

if (await postgresReachable()) {
  const withSchema = new URL(url);
  withSchema.searchParams.set('schema', schema);
  runStoreSuite('postgres', () => createStore({ databaseUrl: withSchema.toString(), dataDir: '/nonexistent' }), async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  });
} else {
  test('Store conformance: postgres', (t) => {
    t.skip(`PostgreSQL is not reachable at ${url}; set KILN_TEST_DATABASE_URL to run this suite`);
  });
}
