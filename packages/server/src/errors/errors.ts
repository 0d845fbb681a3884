import { ERROR_CODES, type ErrorCode } from './codes.ts';

/** Where in Kiln's work an error arose: a validation stage or a build phase. */
export type ErrorPhase =
  | 'request' | 'parse' | 'plan' | 'context' | 'auth'
  | 'cache' | 'preparing' | 'vm_create' | 'step' | 'sync' | 'startup' | 'readiness'
  | 'snapshot' | 'finalize' | 'cleanup' | 'retry';

/** One problem found in a request, as validate and error responses list it. */
export interface Problem {
  /** Stable code from the catalogue. */
  code: ErrorCode;
  /** What is wrong and what to change. */
  message: string;
  /** Where the problem arose. */
  phase: ErrorPhase;
  /** 1-based line of the Dockerfile, when the problem is in one. */
  line?: number;
  /** JSON path of the offending field, when the problem is in the body. */
  field?: string;
}

/** The error every Kiln module throws; the API renders it as `{error, code, message, phase, request_id}`. */
export class KilnError extends Error {
  /** Stable code from the catalogue. */
  readonly code: ErrorCode;
  /** Where the error arose, when that is known. */
  readonly phase?: ErrorPhase;
  /** HTTP status, from the catalogue unless overridden. */
  readonly status: number;
  /** Every problem, when the error stands for several (validation). */
  readonly problems: Problem[];
  /** The 1-based build step the error arose in, for build failures. */
  readonly stepIndex?: number;

  constructor(code: ErrorCode, message: string, opts: { phase?: ErrorPhase; status?: number; problems?: Problem[]; stepIndex?: number } = {}) {
    super(message);
    this.name = 'KilnError';
    this.code = code;
    this.phase = opts.phase;
    this.status = opts.status ?? ERROR_CODES[code].status;
    this.problems = opts.problems ?? [];
    if (opts.stepIndex !== undefined) this.stepIndex = opts.stepIndex;
  }
}

/** Builds a {@link Problem}. */
export function problem(code: ErrorCode, message: string, phase: ErrorPhase, extra: { line?: number; field?: string } = {}): Problem {
  return { code, message, phase, ...extra };
}

/** Throws the first of several problems as a {@link KilnError} that carries all of them. */
export function failWith(problems: Problem[]): never {
  const first = problems[0];
  throw new KilnError(first.code, first.message, { phase: first.phase, problems });
}

/** Shorthand for the 404 every missing or foreign resource answers. */
export function notFound(what: string, id: string): KilnError {
  return new KilnError('not_found', `${what} ${JSON.stringify(id)} was not found.`);
}
