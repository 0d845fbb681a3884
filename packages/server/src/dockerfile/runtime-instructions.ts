/**
 * Instructions that set the image's runtime configuration rather than change its files:
 * CMD, ENTRYPOINT, USER, WORKDIR, HEALTHCHECK, EXPOSE, VOLUME, plus the ones Kiln only reports
 * (STOPSIGNAL, SHELL, ONBUILD, MAINTAINER).
 */
import { posix } from 'node:path';
import { parseHealthcheck } from './healthcheck.ts';
import { parseJsonArray, splitWhitespace } from './instruction-words.ts';
import type { RawInstruction } from './parse-dockerfile.ts';
import { readinessFromHealthcheck } from './readiness-from-healthcheck.ts';
import { expand, fail, ignore } from './stage-helpers.ts';
import type { StageContext } from './stage-types.ts';

/** Parses CMD/ENTRYPOINT arguments into an argument vector (shell form runs through `/bin/sh -c`). */
function commandVector(ctx: StageContext, ins: RawInstruction): string[] | null {
  const exec = parseJsonArray(ins.args);
  if (exec !== null) return exec;
  if (ins.args === '') {
    fail(ctx, ins, `${ins.keyword} needs a command.`);
    return null;
  }
  return ['/bin/sh', '-c', ins.args];
}

/** Applies CMD: the default command (marks CMD as set in this stage). */
export function handleCmd(ctx: StageContext, ins: RawInstruction): void {
  const argv = commandVector(ctx, ins);
  if (argv === null) return;
  ctx.stage.runtime.cmd = argv;
  ctx.cmdSet = true;
}

/** Applies ENTRYPOINT; as in Docker, a CMD inherited from the parent stage is reset, one set earlier in this stage is kept. */
export function handleEntrypoint(ctx: StageContext, ins: RawInstruction): void {
  const argv = commandVector(ctx, ins);
  if (argv === null) return;
  ctx.stage.runtime.entrypoint = argv;
  if (!ctx.cmdSet) ctx.stage.runtime.cmd = null;
}

/** Applies USER: the default user and a build step. */
export function handleUser(ctx: StageContext, ins: RawInstruction): void {
  const user = expand(ctx, ins.args).trim();
  if (user === '') {
    fail(ctx, ins, 'USER needs a user name or id.');
    return;
  }
  ctx.stage.runtime.user = user;
  ctx.stage.steps.push({ instruction: 'USER', line: ins.line, stage: ctx.stage.label, args: [user] });
}

/** Resolves a WORKDIR value against the previous working directory (Windows drive paths are kept as written). */
export function resolveWorkdir(previous: string | null, value: string): string {
  if (/^[A-Za-z]:[\\/]/.test(value) || value.startsWith('\\')) return value;
  if (value.startsWith('/')) return posix.normalize(value);
  const base = previous !== null && previous.startsWith('/') ? previous : '/';
  return posix.join(base, value);
}

/** Applies WORKDIR: the default working directory (resolved) and a build step. */
export function handleWorkdir(ctx: StageContext, ins: RawInstruction): void {
  const value = expand(ctx, ins.args).trim();
  if (value === '') {
    fail(ctx, ins, 'WORKDIR needs a path.');
    return;
  }
  const dir = resolveWorkdir(ctx.stage.runtime.workdir, value);
  ctx.stage.runtime.workdir = dir;
  ctx.stage.steps.push({ instruction: 'WORKDIR', line: ins.line, stage: ctx.stage.label, args: [dir] });
}

/** Applies HEALTHCHECK: OCI healthcheck metadata and the readiness it maps to; NONE clears both. */
export function handleHealthcheck(ctx: StageContext, ins: RawInstruction): void {
  const parsed = parseHealthcheck(ins.args);
  if (parsed.kind === 'error') {
    fail(ctx, ins, parsed.error);
    return;
  }
  if (parsed.kind === 'none') {
    ctx.stage.runtime.healthcheck = null;
    ctx.stage.runtime.readiness = null;
    return;
  }
  ctx.stage.runtime.healthcheck = { ...parsed.healthcheck, mapped_readiness: true };
  ctx.stage.runtime.readiness = readinessFromHealthcheck(parsed.exec, parsed.shell, parsed.given);
}

/** Applies EXPOSE: ports as OCI metadata (a bare port gets `/tcp`); reported as not executed. */
export function handleExpose(ctx: StageContext, ins: RawInstruction): void {
  ignore(ctx, ins);
  const words = splitWhitespace(ins.args);
  if (words.length === 0) fail(ctx, ins, 'EXPOSE needs at least one port.');
  for (const word of words) {
    for (const port of splitWhitespace(expand(ctx, word))) {
      const spec = port.includes('/') ? port.toLowerCase() : `${port}/tcp`;
      ctx.stage.runtime.exposedPorts.add(spec);
    }
  }
}

/** Applies VOLUME: paths as OCI metadata (JSON or space form); reported as not executed. */
export function handleVolume(ctx: StageContext, ins: RawInstruction): void {
  ignore(ctx, ins);
  const words = parseJsonArray(ins.args) ?? splitWhitespace(ins.args);
  if (words.length === 0) fail(ctx, ins, 'VOLUME needs at least one path.');
  for (const word of words) {
    const path = expand(ctx, word);
    if (path !== '') ctx.stage.runtime.volumes.add(path);
  }
}

/** Records STOPSIGNAL, SHELL, ONBUILD or MAINTAINER as not executed, with a warning where one is due. */
export function handleReported(ctx: StageContext, ins: RawInstruction): void {
  ignore(ctx, ins);
  if (ins.args === '') fail(ctx, ins, `${ins.keyword} needs an argument.`);
  const at = `Line ${ins.line}`;
  if (ins.keyword === 'SHELL') ctx.stage.warnings.push(`${at}: SHELL is not applied; RUN steps run with /bin/sh -c.`);
  if (ins.keyword === 'ONBUILD') ctx.stage.warnings.push(`${at}: ONBUILD triggers are not run; they only affect images built later FROM this one.`);
  if (ins.keyword === 'MAINTAINER') ctx.stage.warnings.push(`${at}: MAINTAINER is deprecated; use LABEL maintainer=… instead.`);
}
