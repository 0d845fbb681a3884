import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthenticationError, BuildCancelledError, BuildError, ConflictError, ContextError, KilnError, NotFoundError, PayloadTooLargeError,
  RateLimitError, ServerError, ValidationError, buildFailure, errorFromResponse,
} from './errors.ts';

const body = (o: unknown) => JSON.stringify(o);

describe('errors', () => {
  test('the code of an error body picks the class; code, status, phase, request id and problems are carried', () => {
    const err = errorFromResponse(400, body({
      error: 'steps[0].packages[0] …', code: 'invalid_step', message: 'steps[0].packages[0] must not start with "-".', phase: 'request',
      errors: [{ code: 'invalid_step', message: 'm', phase: 'request', field: 'steps[0].packages[0]' }], request_id: 'req_1',
    }), new Headers(), 'POST /v1/templates/builds');
    assert.ok(err instanceof ValidationError && err instanceof KilnError);
    assert.equal(err.name, 'ValidationError');
    assert.deepEqual([err.code, err.status, err.phase, err.requestId, err.message], ['invalid_step', 400, 'request', 'req_1', 'steps[0].packages[0] must not start with "-".']);
    assert.equal(err.problems[0].field, 'steps[0].packages[0]');

    const cases: [number, string, Function][] = [
      [401, 'unauthorized', AuthenticationError], [404, 'template_not_found', NotFoundError], [404, 'alias_not_found', NotFoundError],
      [409, 'build_not_promotable', ConflictError], [409, 'name_reserved', ConflictError], [400, 'invalid_archive', ContextError],
      [413, 'archive_too_large', PayloadTooLargeError], [422, 'step_failed', BuildError], [500, 'internal_error', ServerError],
    ];
    for (const [status, code, cls] of cases) {
      const e = errorFromResponse(status, body({ code, message: 'm', request_id: 'r' }), new Headers(), 'x');
      assert.ok(e instanceof cls, `${code} is a ${cls.name}, got ${e.constructor.name}`);
    }
    assert.ok(errorFromResponse(400, body({ code: 'context_source_missing', message: 'm' }), new Headers(), 'x') instanceof ValidationError, 'a ContextError is a ValidationError');
  });

  test('an answer that is not Kiln\'s falls back on the status, with the x-request-id header and Retry-After', () => {
    const limited = errorFromResponse(429, 'slow down', new Headers({ 'retry-after': '7', 'x-request-id': 'req_9' }), 'GET /v1/templates');
    assert.ok(limited instanceof RateLimitError);
    assert.deepEqual([limited.code, limited.retryAfterSeconds, limited.requestId], ['http_429', 7, 'req_9']);
    assert.match(limited.message, /GET \/v1\/templates answered HTTP 429: slow down/);
    assert.ok(errorFromResponse(502, '<html>bad gateway</html>', new Headers(), 'x') instanceof ServerError);
    assert.ok(errorFromResponse(404, '', new Headers(), 'x') instanceof NotFoundError);
    assert.ok(errorFromResponse(409, body({ code: 'some_future_conflict', message: 'm' }), new Headers(), 'x') instanceof ConflictError);
  });

  test('a failed build becomes a BuildError with its error detail; a cancelled one a BuildCancelledError', () => {
    const detail = { code: 'step_failed', message: 'RUN exited with code 7', phase: 'step', step_index: 2, retryable: false };
    const failed = buildFailure({ build_id: 'tb_1', status: 'error', error_detail: detail });
    assert.ok(failed instanceof BuildError && !(failed instanceof BuildCancelledError));
    assert.deepEqual([failed.code, failed.phase, failed.buildId, failed.errorDetail], ['step_failed', 'step', 'tb_1', detail]);
    assert.match(failed.message, /tb_1 failed in step \(step 2\): RUN exited with code 7/);
    const cancelled = buildFailure({ build_id: 'tb_2', status: 'cancelled', cancel_reason: 'superseded' });
    assert.ok(cancelled instanceof BuildCancelledError);
    assert.equal(cancelled.code, 'build_cancelled');
    assert.match(cancelled.message, /superseded/);
  });
});
