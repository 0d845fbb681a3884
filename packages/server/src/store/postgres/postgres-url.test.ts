import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../errors/errors.ts';
import { isPostgresUrl, parsePostgresUrl } from './postgres-kysely.ts';

test('isPostgresUrl accepts postgres:// and postgresql:// only', () => {
  assert.equal(isPostgresUrl('postgres://u@127.0.0.1/db'), true);
  assert.equal(isPostgresUrl('postgresql://u@127.0.0.1/db'), true);
  assert.equal(isPostgresUrl('POSTGRES://u@127.0.0.1/db'), true);
  assert.equal(isPostgresUrl('sqlite:///tmp/x.db'), false);
  assert.equal(isPostgresUrl('/var/lib/kiln'), false);
});

test('parsePostgresUrl splits the schema parameter off and keeps the rest', () => {
  assert.deepEqual(parsePostgresUrl('postgres://u:p@127.0.0.1:5432/db?schema=kiln_a&sslmode=disable'), {
    connectionString: 'postgres://u:p@127.0.0.1:5432/db?sslmode=disable',
    schema: 'kiln_a',
  });
  assert.deepEqual(parsePostgresUrl('postgres://u@127.0.0.1/db'), {
    connectionString: 'postgres://u@127.0.0.1/db',
    schema: undefined,
  });
});

test('parsePostgresUrl rejects a schema that is not a plain identifier', () => {
  assert.throws(() => parsePostgresUrl('postgres://u@127.0.0.1/db?schema=a%22;drop'),
    (err: unknown) => err instanceof KilnError && err.code === 'invalid_request');
  assert.throws(() => parsePostgresUrl('postgres://u@127.0.0.1/db?schema=1abc'), KilnError);
});
