/**
 * ENV, ARG and LABEL inside a stage: values are expanded with the variables visible before
 * the instruction (so `ENV a=1 b=$a` sees the earlier `a`, as in Docker), then applied.
 */
import { parseArgs, parseNameValues } from './name-values.ts';
import type { RawInstruction } from './parse-dockerfile.ts';
import { expand, fail } from './stage-helpers.ts';
import type { StageContext } from './stage-types.ts';

/** Expands ENV/LABEL pairs; returns null (after recording the error) when they do not parse. */
function expandedPairs(ctx: StageContext, ins: RawInstruction): [string, string][] | null {
  const parsed = parseNameValues(ins.keyword, ins.args, ctx.escape);
  if ('error' in parsed) {
    fail(ctx, ins, parsed.error);
    return null;
  }
  const pairs: [string, string][] = [];
  for (const [key, value] of parsed.pairs) {
    const k = expand(ctx, key);
    if (k === '') {
      fail(ctx, ins, `${ins.keyword} has an empty name.`);
      return null;
    }
    pairs.push([k, expand(ctx, value)]);
  }
  return pairs;
}

/** Applies an ENV instruction: the stage's environment and a build step. */
export function handleEnv(ctx: StageContext, ins: RawInstruction): void {
  const pairs = expandedPairs(ctx, ins);
  if (pairs === null) return;
  for (const [k, v] of pairs) ctx.stage.runtime.env.set(k, v);
  ctx.stage.steps.push({ instruction: 'ENV', line: ins.line, stage: ctx.stage.label, args: pairs.map(([k, v]) => `${k}=${v}`) });
}

/** Applies a LABEL instruction: the image labels and a build step. */
export function handleLabel(ctx: StageContext, ins: RawInstruction): void {
  const pairs = expandedPairs(ctx, ins);
  if (pairs === null) return;
  for (const [k, v] of pairs) ctx.stage.runtime.labels.set(k, v);
  ctx.stage.steps.push({ instruction: 'LABEL', line: ins.line, stage: ctx.stage.label, args: pairs.map(([k, v]) => `${k}=${v}`) });
}

/** Applies an ARG instruction: declares the arguments in the stage and adds a build step. */
export function handleArg(ctx: StageContext, ins: RawInstruction, resolve: (name: string, fallback: string | undefined) => string | undefined): void {
  const parsed = parseArgs(ins.args, ctx.escape);
  if ('error' in parsed) {
    fail(ctx, ins, parsed.error);
    return;
  }
  const args: string[] = [];
  for (const decl of parsed.decls) {
    const name = expand(ctx, decl.name);
    const value = resolve(name, decl.value === undefined ? undefined : expand(ctx, decl.value));
    ctx.declareArg(name, value);
    args.push(value === undefined ? name : `${name}=${value}`);
  }
  ctx.stage.steps.push({ instruction: 'ARG', line: ins.line, stage: ctx.stage.label, args });
}
