import type { FieldReader } from './steps-fields.ts';
import type { ParsedStep } from './steps-ops.ts';
import {
  checkArgvItem, checkCommand, checkEnvKey, checkHttpUrl, checkPath, checkText, checkUser, climbsOut, normalisePath,
} from './steps-values.ts';

/** Checks a path and returns it normalised. */
function readPath(r: FieldReader, key: string, opts: { required?: boolean } = {}): string | undefined {
  const p = r.string(key, checkPath, opts);
  return p === undefined ? undefined : normalisePath(p);
}

/** Reads a `run` step: `command` as a shell string or an exec-form argv, and an optional `user`. */
export function parseRun(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['command', 'user']);
  const user = r.string('user', checkUser, { required: false });
  const raw = r.obj.command;
  if (Array.isArray(raw)) {
    const argv = r.list('command', checkArgvItem);
    if (argv && argv[0] === '') r.fail('command[0]', 'must not be empty');
    return r.ok && argv ? { ops: [{ op: 'run_exec', argv, user }] } : undefined;
  }
  if (raw !== undefined && raw !== null && typeof raw !== 'string') {
    return r.fail('command', `must be a string or an array of strings`);
  }
  const command = r.string('command', checkCommand);
  return r.ok && command !== undefined ? { ops: [{ op: 'run_shell', command, user }] } : undefined;
}

/** Reads a source of `add`: a context path, or an http(s) URL that ADD downloads. */
function checkAddSource(s: string): string | undefined {
  return /^https?:\/\//i.test(s) ? checkHttpUrl(s) : checkContextPath(s);
}

/** Reads a context path for COPY or ADD: a checked path that does not climb out of the context. */
function checkContextPath(s: string): string | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s)) return 'is a URL; only add accepts URLs, and only http:// or https://';
  return checkPath(s) ?? (climbsOut(normalisePath(s)) ? 'climbs out of the build context with ".."' : undefined);
}

/** Reads a `copy` or `add` step: `src` (string or list), `dest`, optional `user` (→ `--chown`) and `mode` (→ `--chmod`). */
export function parseCopy(r: FieldReader, kind: 'copy' | 'add'): ParsedStep | undefined {
  r.allowOnly(['src', 'dest', 'user', 'mode']);
  const srcs = r.list('src', kind === 'add' ? checkAddSource : checkContextPath, { single: true });
  const dest = readPath(r, 'dest');
  const chown = r.string('user', checkUser, { required: false });
  const chmod = r.mode('mode');
  if (!r.ok || !srcs || dest === undefined) return undefined;
  const sources = srcs.map((s) => (/^https?:\/\//i.test(s) ? s : normalisePath(s)));
  return { ops: [{ op: kind, srcs: sources, dest, chown, chmod }] };
}

/** Reads an `env` step: a non-empty object of variable names to string values. */
export function parseEnv(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['envs']);
  const envs = r.obj.envs;
  if (envs === undefined || envs === null) return r.fail('envs', 'is required');
  if (typeof envs !== 'object' || Array.isArray(envs)) return r.fail('envs', 'must be an object of names to string values');
  const entries = Object.entries(envs as Record<string, unknown>);
  if (entries.length === 0) return r.fail('envs', 'must not be empty');
  if (entries.length > 1000) return r.fail('envs', 'has more than 1000 variables');
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of entries) {
    const field = `envs[${JSON.stringify(k)}]`;
    const bad = checkEnvKey(k);
    if (bad) { r.fail(field, `has a name that ${bad}`); continue; }
    const value = r.string(k, (s) => checkText(s, { allowTab: true }), { field, value: v === undefined ? null : v });
    if (value !== undefined) pairs.push([k, value]);
  }
  return r.ok ? { ops: [{ op: 'env', pairs }] } : undefined;
}

/** Reads an `arg` step: `name` and an optional string `default`. */
export function parseArg(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['name', 'default']);
  const name = r.string('name', checkEnvKey);
  const value = r.string('default', (s) => checkText(s, { allowTab: true }), { required: false });
  return r.ok && name !== undefined ? { ops: [{ op: 'arg', name, value }] } : undefined;
}

/** Reads a `workdir` step: `path`. */
export function parseWorkdir(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['path']);
  const path = readPath(r, 'path');
  return r.ok && path !== undefined ? { ops: [{ op: 'workdir', path }] } : undefined;
}

/** Reads a `user` step: `user`. */
export function parseUser(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['user']);
  const user = r.string('user', checkUser);
  return r.ok && user !== undefined ? { ops: [{ op: 'user', user }] } : undefined;
}
