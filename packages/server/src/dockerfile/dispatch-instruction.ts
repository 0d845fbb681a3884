/**
 * Routes one instruction of a stage to its handler; unknown keywords become
 * `unsupported_instruction` errors.
 */
import { handleArg, handleEnv, handleLabel } from './env-arg-label.ts';
import { handleCopyAdd } from './file-instructions.ts';
import type { RawInstruction } from './parse-dockerfile.ts';
import { handleRun } from './run-instruction.ts';
import {
  handleCmd, handleEntrypoint, handleExpose, handleHealthcheck, handleReported, handleUser, handleVolume, handleWorkdir,
} from './runtime-instructions.ts';
import { fail } from './stage-helpers.ts';
import type { StageContext } from './stage-types.ts';

/** Every instruction keyword Docker knows. */
export const KNOWN_INSTRUCTIONS = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT',
  'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

/** Records an unknown instruction as an error. */
export function unsupported(ctx: Pick<StageContext, 'errors'>, ins: RawInstruction): void {
  fail(ctx as StageContext, ins, `unknown instruction ${JSON.stringify(ins.keyword.slice(0, 40))}.`, 'unsupported_instruction');
}

/** Applies one non-FROM instruction to the stage. */
export function dispatchInstruction(
  ctx: StageContext,
  ins: RawInstruction,
  resolveArg: (name: string, fallback: string | undefined) => string | undefined,
): void {
  switch (ins.keyword) {
    case 'RUN': return handleRun(ctx, ins);
    case 'COPY':
    case 'ADD': return handleCopyAdd(ctx, ins);
    case 'ENV': return handleEnv(ctx, ins);
    case 'ARG': return handleArg(ctx, ins, resolveArg);
    case 'LABEL': return handleLabel(ctx, ins);
    case 'USER': return handleUser(ctx, ins);
    case 'WORKDIR': return handleWorkdir(ctx, ins);
    case 'CMD': return handleCmd(ctx, ins);
    case 'ENTRYPOINT': return handleEntrypoint(ctx, ins);
    case 'HEALTHCHECK': return handleHealthcheck(ctx, ins);
    case 'EXPOSE': return handleExpose(ctx, ins);
    case 'VOLUME': return handleVolume(ctx, ins);
    case 'STOPSIGNAL':
    case 'SHELL':
    case 'ONBUILD':
    case 'MAINTAINER': return handleReported(ctx, ins);
    default: return unsupported(ctx, ins);
  }
}
