import { problem, type Problem } from '../errors/errors.ts';
import { FieldReader, isObject, typeName } from './steps-fields.ts';
import type { ParsedStep } from './steps-ops.ts';
import { renderOps, type EmitState } from './steps-emit.ts';
import { LEGACY_STEP_TYPES, parseLegacy, type LegacyStepType } from './steps-parse-legacy.ts';
import { parseArg, parseCopy, parseEnv, parseRun, parseUser, parseWorkdir } from './steps-parse-files.ts';
import {
  parseAptInstall, parseGitClone, parseMakeDir, parseMakeSymlink, parseNpmInstall, parsePipInstall, parseRemove, parseRename,
} from './steps-parse-tools.ts';
import { checkImageRef } from './steps-values.ts';

/** Most declarative steps one build request may carry. */
export const MAX_STEPS = 1000;

/** The lower-case step types, in the order the documentation lists them. */
export const STEP_TYPES = [
  'run', 'copy', 'add', 'env', 'arg', 'workdir', 'user', 'apt_install', 'pip_install', 'npm_install',
  'git_clone', 'make_dir', 'make_symlink', 'remove', 'rename',
] as const;

/** The result of converting declarative steps to a Dockerfile. */
export interface StepsConversion {
  /** The generated Dockerfile text (starts with `FROM <baseImage>`), or '' when there are problems. */
  dockerfile: string;
  /** For each input step (0-based position), the 1-based line(s) of the generated Dockerfile it produced. */
  step_lines: number[][];
  /** Every problem found, all at once (never throws), field paths like `steps[2].packages[0]`. */
  problems: Problem[];
  /** Things that are allowed but worth a user's attention. */
  warnings: string[];
  /** For each second-platform COPY step with a `filesHash`, its 0-based position and hash (resolved by the caller). */
  files_hashes: Array<{ step: number; files_hash: string }>;
}

/** Reads one step of any type, or records why it cannot be read. */
function parseStep(raw: unknown, path: string, problems: Problem[], warnings: string[]): ParsedStep | undefined {
  if (!isObject(raw)) {
    problems.push(problem('invalid_step', `${path} must be an object, not ${typeName(raw)}.`, 'request', { field: path }));
    return undefined;
  }
  const r = new FieldReader(raw, path, problems);
  const type = raw.type;
  if (typeof type !== 'string') return r.fail('type', type === undefined ? 'is required' : `must be a string, not ${typeName(type)}`);
  if ((LEGACY_STEP_TYPES as readonly string[]).includes(type)) return parseLegacy(r, type as LegacyStepType);
  switch (type) {
    case 'run': return parseRun(r);
    case 'copy': return parseCopy(r, 'copy');
    case 'add': return parseCopy(r, 'add');
    case 'env': return parseEnv(r);
    case 'arg': return parseArg(r);
    case 'workdir': return parseWorkdir(r);
    case 'user': return parseUser(r);
    case 'apt_install': return parseAptInstall(r);
    case 'pip_install': return parsePipInstall(r, warnings);
    case 'npm_install': return parseNpmInstall(r);
    case 'git_clone': return parseGitClone(r);
    case 'make_dir': return parseMakeDir(r);
    case 'make_symlink': return parseMakeSymlink(r);
    case 'remove': return parseRemove(r);
    case 'rename': return parseRename(r);
    default: {
      const shown = type.length > 40 ? `${type.slice(0, 40)}…` : type;
      return r.fail('type', `is ${JSON.stringify(shown)}, which is not a step type; use one of ${[...STEP_TYPES, ...LEGACY_STEP_TYPES].join(', ')}`);
    }
  }
}

/**
 * Converts a base image and declarative steps to a Dockerfile, checking every step and value so that
 * nothing in them can inject shell or Dockerfile syntax; reports every problem at once and never throws.
 * `opts.startCmd` is accepted for symmetry with the request but never written: the caller carries it.
 */
export function stepsToDockerfile(baseImage: string, steps: unknown, opts: { startCmd?: string } = {}): StepsConversion {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const empty = (): StepsConversion => ({ dockerfile: '', step_lines: [], problems, warnings, files_hashes: [] });
  const badBase = typeof baseImage !== 'string' ? 'must be a string' : checkImageRef(baseImage);
  if (badBase) problems.push(problem('invalid_image_reference', `base_image ${badBase}.`, 'request', { field: 'base_image' }));
  if (!Array.isArray(steps)) {
    problems.push(problem('invalid_step', `steps must be an array of step objects, not ${typeName(steps)}.`, 'request', { field: 'steps' }));
    return empty();
  }
  if (steps.length > MAX_STEPS) {
    problems.push(problem('invalid_step', `steps has ${steps.length} entries; at most ${MAX_STEPS} are accepted.`, 'request', { field: 'steps' }));
    return empty();
  }
  const parsed: Array<ParsedStep | undefined> = [];
  for (let i = 0; i < steps.length; i++) parsed.push(parseStep(steps[i], `steps[${i}]`, problems, warnings));
  if (problems.length > 0) return empty();

  const lines = [`FROM ${baseImage}`];
  const state: EmitState = {};
  const step_lines: number[][] = [];
  const files_hashes: StepsConversion['files_hashes'] = [];
  parsed.forEach((p, i) => {
    const out = renderOps(p!.ops, state, (m) => warnings.push(`steps[${i}] ${m}.`));
    step_lines.push(out.map((_, j) => lines.length + j + 1));
    lines.push(...out);
    if (p!.filesHash !== undefined) files_hashes.push({ step: i, files_hash: p!.filesHash });
  });
  return { dockerfile: `${lines.join('\n')}\n`, step_lines, problems, warnings, files_hashes };
}
