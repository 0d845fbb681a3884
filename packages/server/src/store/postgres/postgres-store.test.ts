import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStore } from '../create-store.ts';
import { runStoreSuite } from '../store-suite.ts';

const url = process.env.KILN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `kiln_test_${randomBytes(6).toString('hex')}`;

/** Whether PostgreSQL answers at the test URL. */
async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

if (await reachable()) {
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
