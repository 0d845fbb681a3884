/**
 * The SDK's error classes: one per family of Kiln's error codes (the server's catalogue in
 * docs/error-codes.md). Every error carries the stable `code`, the HTTP `status`, the `phase` and
 * the `requestId` of the answer; {@link errorFromResponse} picks the class for a code.
 */

/** One problem of a refused request, as the server lists it in `errors`. */
export interface Problem {
  code: string;
  message: string;
  phase: string;
  /** 1-based Dockerfile line, when the problem is in one. */
  line?: number;
  /** JSON path of the offending field, when the problem is in the body. */
  field?: string;
}

/** A failed build's structured error, as in the build object's `error_detail`. */
export interface ErrorDetail {
  code: string;
  message: string;
  phase: string;
  step_index: number | null;
  retryable: boolean;
}

/** What every error carries besides its message. */
export interface KilnErrorInit {
  code: string;
  status?: number;
  phase?: string;
  requestId?: string;
  problems?: Problem[];
  cause?: unknown;
}

/** Base class of every error the SDK throws; `instanceof KilnError` catches them all. */
export class KilnError extends Error {
  /** Stable error code (`invalid_step`, `not_found`, `step_failed`, … or `connection_failed` from the SDK itself). */
  readonly code: string;
  /** HTTP status of the answer (0 when the server was not reached). */
  readonly status: number;
  /** Where the error arose (`request`, `context`, `step`, …), when the server said. */
  readonly phase?: string;
  /** The server's request id, to find the request in its log. */
  readonly requestId?: string;
  /** Every problem, when the server listed several (validation). */
  readonly problems: Problem[];

  constructor(message: string, init: KilnErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.status = init.status ?? 0;
    if (init.phase !== undefined) this.phase = init.phase;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    this.problems = init.problems ?? [];
  }
}

/** Thrown when the API key is missing, unknown or refused (`unauthorized`). */
export class AuthenticationError extends KilnError {}

/** Thrown when a build, template, tag, alias or route does not exist for the caller (`not_found`, `template_not_found`, `tag_not_found`, …); another tenant's resource looks the same. */
export class NotFoundError extends KilnError {}

/** Thrown when the server refuses a request as malformed or against its rules (`invalid_request`, `invalid_step`, `dockerfile_parse_error`, …); `problems` lists every problem. */
export class ValidationError extends KilnError {}

/** Thrown when a build context is refused or does not satisfy the build (`invalid_context`, `context_source_missing`, `archive_path_escape`, …). */
export class ContextError extends ValidationError {}

/** Thrown when a request body or context is larger than the server accepts (`payload_too_large`, `archive_too_large`). */
export class PayloadTooLargeError extends KilnError {}

/** Thrown when a request conflicts with the resource's state (`build_not_cancellable`, `build_not_promotable`, `name_in_use`, `name_reserved`, `template_in_use`, …). */
export class ConflictError extends KilnError {}

/** Thrown when a proxy or server answers 429 Too Many Requests; `retryAfterSeconds` says when to try again, if it said. */
export class RateLimitError extends KilnError {
  /** Seconds from the `Retry-After` header, when there was one. */
  retryAfterSeconds?: number;
}

/** Thrown when the server fails on its side (`internal_error`, an unexpected 5xx). */
export class ServerError extends KilnError {}

/** Thrown when the server cannot be reached at all (`connection_failed`): it is not running, or apiUrl is wrong. */
export class ConnectionError extends KilnError {}

/** Thrown when a build ends in `error` (its `errorDetail` says why: `step_failed`, `readiness_timeout`, …). */
export class BuildError extends KilnError {
  /** The build that failed. */
  readonly buildId?: string;
  /** The build's `error_detail`: code, message, phase, step_index, retryable. */
  readonly errorDetail?: ErrorDetail;

  constructor(message: string, init: KilnErrorInit & { buildId?: string; errorDetail?: ErrorDetail }) {
    super(message, init);
    if (init.buildId !== undefined) this.buildId = init.buildId;
    if (init.errorDetail !== undefined) this.errorDetail = init.errorDetail;
  }
}

/** Thrown when a build that was waited for ends `cancelled` (`build_cancelled`). */
export class BuildCancelledError extends BuildError {}

/** A constructor of one of the error classes. */
export type KilnErrorClass = new (message: string, init: KilnErrorInit) => KilnError;

const FAMILIES: [KilnErrorClass, string[]][] = [
  [AuthenticationError, ['unauthorized']],
  [NotFoundError, ['not_found', 'route_not_found', 'template_not_found', 'tag_not_found', 'alias_not_found']],
  [ValidationError, [
    'invalid_json', 'invalid_request', 'unsupported_media_type', 'invalid_name', 'invalid_tags', 'missing_source',
    'conflicting_sources', 'missing_base_image', 'invalid_image_reference', 'unsupported_base_image', 'backend_mismatch',
    'option_requires_buildkit', 'secrets_require_buildkit', 'invalid_secret', 'registry_auth_mismatch',
    'base_image_auth_unsupported', 'build_config_out_of_range', 'invalid_runtime_config', 'invalid_readiness',
    'invalid_step', 'dockerfile_parse_error', 'unsupported_instruction', 'unknown_build_target', 'dockerfile_too_large',
    'undefined_stage', 'retry_requires_secrets', 'retry_requires_credentials', 'credentials_required',
  ]],
  [ContextError, ['context_not_found', 'context_source_missing', 'invalid_context', 'invalid_archive', 'archive_path_escape', 'special_file_rejected']],
  [PayloadTooLargeError, ['payload_too_large', 'archive_too_large']],
  [ConflictError, [
    'conflict', 'template_exists', 'invalid_claim_token', 'name_in_use', 'name_reserved', 'template_in_use',
    'build_not_cancellable', 'artifact_unavailable', 'build_not_promotable',
  ]],
  [BuildCancelledError, ['build_cancelled']],
  [BuildError, [
    'step_failed', 'dockerfile_build_failed', 'start_cmd_failed', 'readiness_timeout', 'build_network_failed', 'sandbox_failed',
    'base_image_not_found', 'registry_auth_failed', 'unsupported_layer_media_type', 'unsupported_manifest', 'no_matching_platform',
    'registry_unreachable', 'digest_mismatch', 'invalid_layer', 'layer_too_large', 'unknown_image_user', 'rootfs_too_large', 'worker_lost',
  ]],
  [ServerError, ['internal_error', 'warm_pool_unavailable']],
];

/** The error class of every known code. */
export const ERROR_CLASS_BY_CODE: ReadonlyMap<string, KilnErrorClass> = new Map(
  FAMILIES.flatMap(([cls, codes]) => codes.map((code) => [code, cls] as [string, KilnErrorClass])),
);

/** The class for a code, or for the HTTP status when the code is not one the SDK knows. */
export function errorClassFor(code: string | undefined, status: number): KilnErrorClass {
  const known = code === undefined ? undefined : ERROR_CLASS_BY_CODE.get(code);
  if (known) return known;
  if (status === 401 || status === 403) return AuthenticationError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 413) return PayloadTooLargeError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return ServerError;
  return ValidationError;
}

/** The body of an error answer: `{error, code, message, phase?, errors?, request_id}`. */
interface ErrorBody {
  code?: unknown;
  message?: unknown;
  error?: unknown;
  phase?: unknown;
  errors?: unknown;
  request_id?: unknown;
}

/** The error for a non-2xx answer: its body's code picks the class; a body that is not Kiln's still gives a clear error. */
export function errorFromResponse(status: number, bodyText: string, headers: Headers, what: string): KilnError {
  let body: ErrorBody = {};
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (parsed && typeof parsed === 'object') body = parsed as ErrorBody;
  } catch {
    // Not JSON: a proxy's page or an empty body; the status decides.
  }
  const code = typeof body.code === 'string' ? body.code : undefined;
  const text = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : undefined;
  const message = text ?? `${what} answered HTTP ${status}${bodyText ? `: ${bodyText.slice(0, 200)}` : ''}`;
  const Cls = errorClassFor(code, status);
  const err = new Cls(message, {
    code: code ?? `http_${status}`,
    status,
    phase: typeof body.phase === 'string' ? body.phase : undefined,
    requestId: typeof body.request_id === 'string' ? body.request_id : headers.get('x-request-id') ?? undefined,
    problems: Array.isArray(body.errors) ? body.errors as Problem[] : undefined,
  });
  if (err instanceof RateLimitError) {
    const after = Number(headers.get('retry-after'));
    if (Number.isFinite(after) && after >= 0) err.retryAfterSeconds = after;
  }
  return err;
}

/** The error a failed or cancelled build is thrown as, from its build object. */
export function buildFailure(build: { build_id: string; status: string; error_detail?: ErrorDetail | null; cancel_reason?: string | null }): BuildError {
  if (build.status === 'cancelled') {
    const reason = build.cancel_reason ?? 'cancelled';
    return new BuildCancelledError(`Build ${build.build_id} was cancelled: ${reason}`, { code: 'build_cancelled', status: 409, phase: build.error_detail?.phase, buildId: build.build_id, errorDetail: build.error_detail ?? undefined });
  }
  const detail = build.error_detail ?? undefined;
  const where = detail?.step_index ? ` (step ${detail.step_index})` : '';
  return new BuildError(`Build ${build.build_id} failed in ${detail?.phase ?? 'an unknown phase'}${where}: ${detail?.message ?? 'no error detail'}`, {
    code: detail?.code ?? 'build_failed', status: 422, phase: detail?.phase, buildId: build.build_id, errorDetail: detail,
  });
}
