import type { StepOp } from './steps-ops.ts';
import { dockerfileDoubleQuoted, dockerfileJsonArray, escapeDockerfileValue } from './shell-quote.ts';
import { formatMode } from './steps-values.ts';

/** What the emitter knows while rendering steps in order: the user the steps last switched to. */
export interface EmitState {
  /** The current user when a step has set one; undefined while the base image's default is in force. */
  user?: string;
}

/**
 * True when a shell command can be written after `RUN ` verbatim: Docker would neither read flags,
 * a JSON array or a heredoc from it, nor join the next line to it, nor trim anything from its ends.
 */
export function isPlainShellCommand(cmd: string): boolean {
  if (/[\r\n\u0085\u2028\u2029]/.test(cmd) || cmd.includes('<<')) return false;
  if (/^[\s\u0085[-]/.test(cmd) || /[\s\u0085\\]$/.test(cmd)) return false;
  return cmd.length > 0;
}

/** Renders a shell command as one RUN line: shell form when plain, else the same command as `["/bin/sh", "-c", cmd]`. */
export function renderRunShell(cmd: string): string {
  return isPlainShellCommand(cmd) ? `RUN ${cmd}` : `RUN ${dockerfileJsonArray(['/bin/sh', '-c', cmd])}`;
}

/** Renders COPY or ADD in JSON form, with a trailing slash on the destination when there are several sources. */
function renderCopy(op: Extract<StepOp, { op: 'copy' | 'add' }>): string {
  const flags = (op.chown ? ` --chown=${op.chown}` : '') + (op.chmod !== undefined ? ` --chmod=${formatMode(op.chmod)}` : '');
  const dest = op.srcs.length > 1 && !op.dest.endsWith('/') ? `${op.dest}/` : op.dest;
  return `${op.op.toUpperCase()}${flags} ${dockerfileJsonArray([...op.srcs, dest], { expand: true })}`;
}

/** Wraps RUN lines in a USER switch and a switch back, when the op asks for a user other than the current one. */
function asUser(user: string | undefined, state: EmitState, run: string, warn: (m: string) => void): string[] {
  if (user === undefined || user === state.user) return [run];
  if (state.user === undefined) warn(`runs as "${user}" and then switches back to root, because no earlier step set a user`);
  return [`USER ${user}`, run, `USER ${state.user ?? 'root'}`];
}

/** Renders one step's operations as Dockerfile lines, one instruction per line, updating the state. */
export function renderOps(ops: readonly StepOp[], state: EmitState, warn: (m: string) => void): string[] {
  const lines: string[] = [];
  for (const op of ops) {
    switch (op.op) {
      case 'run_shell':
        lines.push(...asUser(op.user, state, renderRunShell(op.command), warn));
        break;
      case 'run_exec':
        lines.push(...asUser(op.user, state, `RUN ${dockerfileJsonArray(op.argv)}`, warn));
        break;
      case 'copy':
      case 'add':
        lines.push(renderCopy(op));
        break;
      case 'env':
        lines.push(`ENV ${op.pairs.map(([k, v]) => `${k}=${dockerfileDoubleQuoted(v)}`).join(' ')}`);
        break;
      case 'arg':
        lines.push(op.value === undefined ? `ARG ${op.name}` : `ARG ${op.name}=${dockerfileDoubleQuoted(op.value)}`);
        break;
      case 'workdir':
        lines.push(`WORKDIR ${escapeDockerfileValue(op.path)}`);
        break;
      case 'user':
        state.user = op.user;
        lines.push(`USER ${op.user}`);
        break;
      case 'cmd':
        lines.push(`CMD ${dockerfileJsonArray(op.argv)}`);
        break;
    }
  }
  return lines;
}
