/** Test fixture: the PostgreSQL the Postgres tests use (KILN_TEST_DATABASE_URL, else the local server). */
import pg from 'pg';

/** The database URL the Postgres tests run against. */
export const TEST_DATABASE_URL = process.env.KILN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether PostgreSQL answers a query at {@link TEST_DATABASE_URL} within `timeoutMs`. */
export async function postgresReachable(timeoutMs = 3000): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: timeoutMs });
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
