/**
 * Small helpers the instruction handlers share: expanding words with the stage's variables,
 * turning flags into a step's flag record and recording errors and warnings.
 */
import { problem, type ErrorPhase } from '../errors/errors.ts';
import type { ErrorCode } from '../errors/codes.ts';
import { processWord } from './expand-variables.ts';
import type { InstructionFlag } from './instruction-words.ts';
import type { RawInstruction } from './parse-dockerfile.ts';
import type { StageContext } from './stage-types.ts';

/** Expands one word with the variables visible in the stage. */
export function expand(ctx: StageContext, word: string): string {
  return processWord(word, ctx.escape, ctx.lookup).value;
}

/** Builds a step's flag record: values expanded, valueless flags as "true", repeated flags joined by a space. */
export function flagRecord(ctx: StageContext, flags: InstructionFlag[], skip: string): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const flag of flags) {
    if (flag.name === skip) continue;
    const value = flag.value === null ? 'true' : expand(ctx, flag.value);
    out ??= {};
    out[flag.name] = out[flag.name] === undefined ? value : `${out[flag.name]} ${value}`;
  }
  return out;
}

/** Returns the last value of a flag, or undefined when it was not given. */
export function flagValue(flags: InstructionFlag[], name: string): string | null | undefined {
  let value: string | null | undefined;
  for (const flag of flags) if (flag.name === name) value = flag.value;
  return value;
}

/** Records a fatal finding about an instruction. */
export function fail(ctx: StageContext, ins: RawInstruction, message: string, code: ErrorCode = 'dockerfile_parse_error', phase: ErrorPhase = 'parse'): void {
  ctx.errors.push(problem(code, `Line ${ins.line}: ${message}`, phase, { line: ins.line }));
}

/** Records an instruction Kiln parses but does not execute. */
export function ignore(ctx: StageContext, ins: RawInstruction): void {
  ctx.stage.ignored.push({ instruction: ins.keyword, line: ins.line });
}
