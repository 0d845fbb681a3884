import { problem, type Problem } from '../errors/errors.ts';
import { checkText, parseMode } from './steps-values.ts';

/** A rule for one string value: returns why the value is refused, or undefined. */
export type ValueCheck = (s: string) => string | undefined;

/** Longest list Kiln accepts in a step field (packages, sources, args). */
export const MAX_LIST_ITEMS = 1000;

/** Describes a JSON value's type in words, for messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads the fields of one step object, recording an `invalid_step` problem (phase `request`,
 * with the field's JSON path) for every field that is missing, unknown or malformed.
 */
export class FieldReader {
  /** The step object being read. */
  readonly obj: Record<string, unknown>;
  /** JSON path of the step, such as `steps[3]`. */
  readonly path: string;
  /** Where problems are collected. */
  readonly problems: Problem[];
  /** Problems recorded before this reader started, to tell whether it found any. */
  private readonly start: number;

  constructor(obj: Record<string, unknown>, path: string, problems: Problem[]) {
    this.obj = obj;
    this.path = path;
    this.problems = problems;
    this.start = problems.length;
  }

  /** True when this reader has recorded no problem. */
  get ok(): boolean {
    return this.problems.length === this.start;
  }

  /** Records one problem on a field of this step (or on the step itself when `field` is empty). */
  fail(field: string, reason: string): undefined {
    const at = field === '' ? this.path : field.startsWith('[') ? `${this.path}${field}` : `${this.path}.${field}`;
    this.problems.push(problem('invalid_step', `${at} ${reason}.`, 'request', { field: at }));
    return undefined;
  }

  /** Records a problem for every field not in `keys` (`type` is always allowed). */
  allowOnly(keys: readonly string[]): void {
    for (const k of Object.keys(this.obj)) {
      if (k !== 'type' && !keys.includes(k)) this.fail(k, `is not a field of a "${String(this.obj.type)}" step`);
    }
  }

  /** Reads a string field, checking it with the common text rules and then `check`. */
  string(key: string, check?: ValueCheck, opts: { required?: boolean; field?: string; value?: unknown } = {}): string | undefined {
    const field = opts.field ?? key;
    const v = opts.value !== undefined ? opts.value : this.obj[key];
    if (v === undefined || (v === null && opts.required !== false)) return opts.required === false ? undefined : this.fail(field, 'is required');
    if (typeof v !== 'string') return this.fail(field, `must be a string, not ${typeName(v)}`);
    const reason = check ? check(v) : checkText(v);
    return reason ? this.fail(field, reason) : v;
  }

  /** Reads a non-empty list of strings, checking every item; `single` also accepts one bare string. */
  list(key: string, check: ValueCheck, opts: { single?: boolean; required?: boolean } = {}): string[] | undefined {
    const v = this.obj[key];
    if (v === undefined || (v === null && opts.required !== false)) return opts.required === false ? undefined : this.fail(key, 'is required');
    if (opts.single && typeof v === 'string') {
      const one = this.string(key, check);
      return one === undefined ? undefined : [one];
    }
    if (!Array.isArray(v)) return this.fail(key, `must be ${opts.single ? 'a string or ' : ''}an array of strings, not ${typeName(v)}`);
    if (v.length === 0) return this.fail(key, 'must not be empty');
    if (v.length > MAX_LIST_ITEMS) return this.fail(key, `has more than ${MAX_LIST_ITEMS} items`);
    const before = this.problems.length;
    const out = v.map((item, i) => this.string(key, check, { field: `${key}[${i}]`, value: item === undefined ? null : item }) ?? '');
    return this.problems.length === before ? out : undefined;
  }

  /** Reads an optional boolean field. */
  bool(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') return this.fail(key, `must be a boolean, not ${typeName(v)}`);
    return v;
  }

  /** Reads an optional integer field within [min, max]. */
  integer(key: string, min: number, max: number): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      return this.fail(key, `must be an integer from ${min} to ${max}`);
    }
    return v;
  }

  /** Reads an optional file mode: an octal string such as "0755" or its numeric value (0 to 4095). */
  mode(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    const m = parseMode(v);
    return m === undefined ? this.fail(key, 'must be an octal string from "0" to "7777" (such as "0755") or an integer from 0 to 4095') : m;
  }
}
