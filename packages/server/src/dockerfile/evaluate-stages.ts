/**
 * Walks the instructions in file order: global ARGs before the first FROM, then each stage
 * with its own ARG scope and the runtime state inherited from the stage it is built on.
 */
import { problem, type Problem } from '../errors/errors.ts';
import { dispatchInstruction, KNOWN_INSTRUCTIONS, unsupported } from './dispatch-instruction.ts';
import { processWord } from './expand-variables.ts';
import { parseFrom, stageNameOf } from './from-instruction.ts';
import { parseArgs } from './name-values.ts';
import type { ParsedDockerfile, RawInstruction } from './parse-dockerfile.ts';
import { formatPlatform, isHostPlatform, type Platform } from './platform-args.ts';
import { fail } from './stage-helpers.ts';
import { cloneRuntime, emptyRuntime, type StageBase, type StageContext, type StageResult } from './stage-types.ts';

/** The PATH Docker gives a build when the base image sets none; Kiln cannot read the base image's config at plan time. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What stage evaluation needs from the caller. */
export interface EvaluateOptions {
  buildArgs: Record<string, string>;
  isTemplateRef: (ref: string) => boolean;
  host: Platform;
  /** The automatic platform ARGs. */
  platformArgs: Map<string, string>;
}

/** The outcome of evaluating every stage. */
export interface EvaluatedStages {
  stages: StageResult[];
  /** Names of every ARG declared anywhere, to find build args nothing uses. */
  declaredArgs: Set<string>;
  warnings: string[];
  errors: Problem[];
}

const IMAGE_LIKE = /^[A-Za-z0-9][^\s]*[/:@][^\s]*$/;

/** Evaluates every stage of a parsed Dockerfile. */
export function evaluateStages(parsed: ParsedDockerfile, opts: EvaluateOptions): EvaluatedStages {
  const { escape } = parsed;
  const errors: Problem[] = [...parsed.errors];
  const warnings: string[] = [];
  const stages: StageResult[] = [];
  const byName = new Map<string, number>();
  const lastIndexByName = new Map<string, number>();
  const declaredArgs = new Set<string>();
  const globalArgs = new Map<string, string | undefined>(opts.platformArgs);
  const globalLookup = (name: string): string | undefined => globalArgs.get(name);
  const fromBuildArgs = (name: string): string | undefined => (Object.hasOwn(opts.buildArgs, name) ? opts.buildArgs[name] : undefined);

  let fromCount = 0;
  for (const ins of parsed.instructions) {
    if (ins.keyword !== 'FROM') continue;
    const name = stageNameOf(ins.args);
    if (name !== null) lastIndexByName.set(name, fromCount);
    fromCount++;
  }

  let ctx: StageContext | null = null;
  let stageArgs = new Map<string, string | undefined>();
  const resolveArg = (name: string, fallback: string | undefined): string | undefined => {
    declaredArgs.add(name);
    return fromBuildArgs(name) ?? fallback ?? globalArgs.get(name);
  };

  const startStage = (ins: RawInstruction): StageContext => {
    const index = stages.length;
    const parsedFrom = parseFrom(ins.args, escape, globalLookup);
    const name = 'error' in parsedFrom ? stageNameOf(ins.args) : parsedFrom.name;
    const label = name ?? String(index);
    let base: StageBase = { kind: 'invalid' };
    const stage: StageResult = {
      index, name, label, line: ins.line, base, fromUsedVariable: false, deps: new Set(), externalImages: new Set(),
      steps: [], runSteps: [], contextReferences: [], secretIds: new Set(), ignored: [], warnings: [], runtime: emptyRuntime(),
    };
    stageArgs = new Map();
    const args = stageArgs;
    const next: StageContext = {
      escape, stage, errors, cmdSet: false,
      lookup: (v) => stage.runtime.env.get(v) ?? (args.has(v) ? args.get(v) : v === 'PATH' ? DEFAULT_PATH : undefined),
      declareArg: (argName, value) => args.set(argName, value),
      resolveFrom: (ref, line, what) => resolveFrom(stage, ref, line, what),
    };
    if ('error' in parsedFrom) {
      fail(next, ins, parsedFrom.error);
    } else {
      const key = parsedFrom.image.toLowerCase();
      const parent = byName.get(key);
      stage.fromUsedVariable = parsedFrom.usedVariable;
      if (parent !== undefined) {
        base = { kind: 'stage', index: parent };
        stage.runtime = cloneRuntime(stages[parent].runtime);
      } else if (opts.isTemplateRef(parsedFrom.image)) {
        base = { kind: 'template', ref: parsedFrom.image };
      } else if (key === 'scratch') {
        base = { kind: 'scratch' };
      } else if ((lastIndexByName.get(key) ?? -1) > index) {
        fail(next, ins, `FROM ${parsedFrom.image} refers to a stage that is defined later in the file.`, 'undefined_stage', 'plan');
      } else {
        base = { kind: 'image', ref: parsedFrom.image };
        stage.externalImages.add(parsedFrom.image);
      }
      if (parsedFrom.platform !== null && !isHostPlatform(parsedFrom.platform, opts.host)) {
        stage.warnings.push(`Line ${ins.line}: FROM --platform=${parsedFrom.platform} is not the build platform (${formatPlatform(opts.host)}); Kiln builds for ${formatPlatform(opts.host)}.`);
      }
      stage.steps.push({
        instruction: 'FROM', line: ins.line, stage: label, args: [parsedFrom.image],
        ...(parsedFrom.platform !== null ? { flags: parsedFrom.flags } : {}),
      });
    }
    stage.base = base;
    if (name !== null) {
      if (byName.has(name)) warnings.push(`Line ${ins.line}: the stage name "${name}" is used more than once; later references use this stage.`);
      byName.set(name, index);
    }
    stages.push(stage);
    return next;
  };

  const resolveFrom = (stage: StageResult, ref: string, line: number, what: string): void => {
    const key = ref.toLowerCase();
    const named = byName.get(key);
    const undefinedStage = (why: string): void => {
      errors.push(problem('undefined_stage', `Line ${line}: ${what}=${ref} ${why}.`, 'plan', { line }));
    };
    let dep: number | undefined;
    if (named !== undefined && named < stage.index) dep = named;
    else if (named === stage.index) return undefinedStage('refers to the stage it is used in');
    else if (/^\d+$/.test(ref)) {
      if (Number(ref) < stage.index) dep = Number(ref);
      else return undefinedStage('refers to a stage that is not defined before it');
    } else if (opts.isTemplateRef(ref)) return;
    else if ((lastIndexByName.get(key) ?? -1) > stage.index) return undefinedStage('refers to a stage that is defined later in the file');
    else if (IMAGE_LIKE.test(ref)) {
      stage.externalImages.add(ref);
      return;
    } else return undefinedStage('names no stage defined before it and is not an image reference');
    stage.deps.add(dep);
  };

  for (const ins of parsed.instructions) {
    if (!KNOWN_INSTRUCTIONS.has(ins.keyword)) {
      unsupported({ errors }, ins);
    } else if (ins.keyword === 'FROM') {
      ctx = startStage(ins);
    } else if (ctx !== null) {
      dispatchInstruction(ctx, ins, resolveArg);
    } else if (ins.keyword === 'ARG') {
      declareGlobalArgs(ins);
    } else {
      errors.push(problem('dockerfile_parse_error', `Line ${ins.line}: ${ins.keyword} comes before the first FROM; only ARG may.`, 'parse', { line: ins.line }));
    }
  }

  function declareGlobalArgs(ins: RawInstruction): void {
    const decls = parseArgs(ins.args, escape);
    if ('error' in decls) {
      errors.push(problem('dockerfile_parse_error', `Line ${ins.line}: ${decls.error}`, 'parse', { line: ins.line }));
      return;
    }
    for (const decl of decls.decls) {
      const name = processWord(decl.name, escape, globalLookup).value;
      declaredArgs.add(name);
      const fallback = decl.value === undefined ? undefined : processWord(decl.value, escape, globalLookup).value;
      globalArgs.set(name, fromBuildArgs(name) ?? fallback ?? opts.platformArgs.get(name));
    }
  }

  return { stages, declaredArgs, warnings, errors };
}
