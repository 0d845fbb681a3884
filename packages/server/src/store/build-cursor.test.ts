import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../errors/errors.ts';
import { decodeBuildCursor, encodeBuildCursor } from './build-cursor.ts';

test('a build cursor round-trips and is URL-safe', () => {
  const pos = { created_at: '2025-01-01T00:00:00.000Z', id: 'bld_ü/+?=' };
  const cursor = encodeBuildCursor(pos);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeBuildCursor(cursor), pos);
});

test('a cursor that was not issued by a page is rejected as invalid_request', () => {
  for (const bad of ['', 'garbage!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url')]) {
    assert.throws(() => decodeBuildCursor(bad), (err: unknown) => err instanceof KilnError && err.code === 'invalid_request', bad);
  }
});
