import type { FieldReader } from './steps-fields.ts';
import type { ParsedStep, StepOp } from './steps-ops.ts';
import {
  checkArgvItem, checkCommand, checkEnvKey, checkPath, checkText, checkUser, climbsOut, normalisePath,
} from './steps-values.ts';

/** The upper-case step types of the `{type, args, filesHash?}` form. */
export const LEGACY_STEP_TYPES = ['RUN', 'COPY', 'ENV', 'WORKDIR', 'USER', 'CMD'] as const;

/** One upper-case step type. */
export type LegacyStepType = (typeof LEGACY_STEP_TYPES)[number];

/** Accepts the hashes uploaded-file sets are named by (such as `sha256:…`); the value is never written to the Dockerfile. */
function checkFilesHash(s: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._:+=-]{0,199}$/.test(s) ? undefined : 'is not a files hash such as "sha256:<hex>"';
}

/** Reads a COPY source or destination from `args[i]`: a checked path, sources not climbing out of the context. */
function copyPath(s: string, isSource: boolean): string | undefined {
  return checkPath(s) ?? (isSource && climbsOut(normalisePath(s)) ? 'climbs out of the build context with ".."' : undefined);
}

/** Reads `{type: "RUN"|"COPY"|"ENV"|"WORKDIR"|"USER"|"CMD", args, filesHash?}`, the second platform's step form. */
export function parseLegacy(r: FieldReader, type: LegacyStepType): ParsedStep | undefined {
  r.allowOnly(type === 'COPY' ? ['args', 'filesHash'] : ['args']);
  const filesHash = type === 'COPY' ? r.string('filesHash', checkFilesHash, { required: false }) : undefined;
  const args = r.list('args', type === 'RUN' ? checkCommand : type === 'CMD' ? checkArgvItem : (s) => checkText(s, { allowTab: true }));
  if (!args) return undefined;
  const one = (): string | undefined => (args.length === 1 ? args[0] : r.fail('args', `must hold exactly one value for ${type}`));
  let ops: StepOp[] | undefined;
  switch (type) {
    case 'RUN':
      ops = args.map((command) => ({ op: 'run_shell', command }));
      break;
    case 'CMD':
      if (args[0] === '') r.fail('args[0]', 'must not be empty');
      ops = [{ op: 'cmd', argv: args }];
      break;
    case 'WORKDIR': {
      const p = one();
      const bad = p === undefined ? undefined : checkPath(p);
      if (bad) r.fail('args[0]', bad);
      ops = p === undefined || bad ? undefined : [{ op: 'workdir', path: normalisePath(p) }];
      break;
    }
    case 'USER': {
      const u = one();
      const bad = u === undefined ? undefined : checkUser(u);
      if (bad) r.fail('args[0]', bad);
      ops = u === undefined || bad ? undefined : [{ op: 'user', user: u }];
      break;
    }
    case 'ENV':
      ops = [{ op: 'env', pairs: legacyEnvPairs(r, args) }];
      break;
    case 'COPY':
      ops = legacyCopy(r, args, filesHash !== undefined);
      break;
  }
  return r.ok && ops ? { ops, filesHash } : undefined;
}

/** Splits `KEY=value` args into pairs, recording a problem for each malformed one. */
function legacyEnvPairs(r: FieldReader, args: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  args.forEach((a, i) => {
    const eq = a.indexOf('=');
    const bad = eq < 0 ? 'must have the form KEY=value' : checkEnvKey(a.slice(0, eq));
    if (bad) r.fail(`args[${i}]`, eq < 0 ? bad : `has a name that ${bad}`);
    else pairs.push([a.slice(0, eq), a.slice(eq + 1)]);
  });
  return pairs;
}

/** COPY args are `[src..., dest]`, or `[dest]` alone when `filesHash` names uploaded files (copied from the context root). */
function legacyCopy(r: FieldReader, args: string[], hasFiles: boolean): StepOp[] | undefined {
  if (args.length < 2 && !hasFiles) return r.fail('args', 'must hold at least one source and a destination, or only a destination with filesHash');
  let failed = false;
  args.forEach((a, i) => {
    const bad = copyPath(a, i < args.length - 1);
    if (bad) { r.fail(`args[${i}]`, bad); failed = true; }
  });
  if (failed) return undefined;
  const paths = args.map(normalisePath);
  const dest = paths[paths.length - 1];
  const srcs = paths.length === 1 ? ['.'] : paths.slice(0, -1);
  return [{ op: 'copy', srcs, dest }];
}
