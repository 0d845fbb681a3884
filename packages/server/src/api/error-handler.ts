/**
 * The one error renderer: every failure becomes `{error, code, message, phase?, errors?, request_id}`
 * with the catalogue's status. Bad input is never a 500; unexpected failures are logged with
 * their stack and answered without it.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KilnError } from '../errors/errors.ts';
import { ERROR_CODES } from '../errors/codes.ts';

/** The JSON body of an error response. */
export interface ErrorBody {
  error: string;
  code: string;
  message: string;
  phase?: string;
  errors?: unknown[];
  request_id: string;
}

/** Converts any thrown value into a KilnError with a stable code. */
export function toKilnError(err: unknown): KilnError {
  if (err instanceof KilnError) return err;
  const e = err as Partial<FastifyError> & { type?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new KilnError('invalid_json', 'The request body is not valid JSON: send a JSON object.', { phase: 'request' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KilnError('payload_too_large', 'The request body is larger than this server accepts (KILN_BODY_LIMIT_BYTES); upload large files as a build context.', { phase: 'request' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KilnError('unsupported_media_type', 'This endpoint does not accept that Content-Type; send application/json.', { phase: 'request' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new KilnError('invalid_request', 'The Content-Length header does not match the body.', { phase: 'request' });
    case 'FST_ERR_VALIDATION':
      return new KilnError('invalid_request', `Invalid request: ${e.message ?? 'a parameter is malformed'}.`, { phase: 'request' });
  }
  if (e.statusCode === 413) return new KilnError('payload_too_large', 'The request body is too large.', { phase: 'request' });
  if (e instanceof SyntaxError || e.statusCode === 400) {
    return new KilnError('invalid_request', `Invalid request: ${e.message ?? 'malformed'}.`, { phase: 'request' });
  }
  if (e.statusCode === 415) return new KilnError('unsupported_media_type', e.message ?? 'Unsupported media type.', { phase: 'request' });
  return new KilnError('internal_error', 'Kiln failed unexpectedly; the server log has the details under this request_id.');
}

/** Renders a KilnError as the response body. */
export function errorBody(err: KilnError, requestId: string): ErrorBody {
  const body: ErrorBody = { error: err.message, code: err.code, message: err.message, request_id: requestId };
  if (err.phase) body.phase = err.phase;
  if (err.problems.length) body.errors = err.problems;
  return body;
}

/** Fastify error handler using {@link toKilnError} and {@link errorBody}. */
export function handleError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const kerr = toKilnError(err);
  if (kerr.status >= 500) req.log.error({ err }, 'request failed');
  return reply.status(kerr.status).send(errorBody(kerr, String(req.id)));
}

/** Fastify not-found handler: an unknown route is a 404 with a code. */
export function handleNotFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const err = new KilnError('route_not_found', `No endpoint ${req.method} ${req.url.split('?')[0]}; see /docs for the API.`);
  return reply.status(ERROR_CODES.route_not_found.status).send(errorBody(err, String(req.id)));
}
