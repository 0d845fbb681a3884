import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAllOk, type LoadResult } from './load-test.ts';

const ok: LoadResult = {
  requestsPerSec: 100, requestsPerSecStddev: 1, total: 1000, durationS: 10, latencyMeanMs: 1, latencyP50Ms: 1,
  latencyP99Ms: 2, latencyMaxMs: 3, non2xx: 0, errors: 0, timeouts: 0, statusCodes: { 200: 1000 },
};

test('a run where every response was 200 passes', () => {
  assert.doesNotThrow(() => assertAllOk('run', ok));
});

test('any non-200 response, error, timeout or an empty run fails, naming the run', () => {
  assert.throws(() => assertAllOk('Kiln plan', { ...ok, non2xx: 3, statusCodes: { 200: 997, 401: 3 } }), /Kiln plan: .*non-2xx 3.*"401":3/);
  assert.throws(() => assertAllOk('run', { ...ok, statusCodes: { 200: 990, 204: 10 } }), /"204":10/);
  assert.throws(() => assertAllOk('run', { ...ok, errors: 1 }), /errors 1/);
  assert.throws(() => assertAllOk('run', { ...ok, timeouts: 2 }), /timeouts 2/);
  assert.throws(() => assertAllOk('run', { ...ok, total: 0, statusCodes: {} }), /0 responses/);
});
