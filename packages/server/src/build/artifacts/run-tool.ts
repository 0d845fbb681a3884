/** Runs a host tool (mkfs.ext4, mount, tar) as a child process, killed when a signal aborts. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/** How a tool ended. */
export interface ToolResult {
  code: number;
  /** The end of its standard error (at most 16 KiB). */
  stderr: string;
}

const STDERR_KEEP = 16 * 1024;

/** Collects the tail of a child's stderr. */
function tail(child: { stderr: Readable }): () => string {
  let text = '';
  child.stderr.on('data', (d: Buffer) => { text = (text + d.toString()).slice(-STDERR_KEEP); });
  return () => text;
}

/** Runs `cmd` to its end; with `signal`, an abort kills it (SIGKILL) and the result says so with code -1. */
export function runTool(cmd: string, args: string[], opts: { signal?: AbortSignal; cwd?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: opts.cwd });
    const stderr = tail(child);
    const kill = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => resolve({ code: -1, stderr: err.message }));
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', kill);
      resolve({ code: code ?? -1, stderr: stderr() });
    });
  });
}

/** Runs `cmd` to its end and returns its standard output too (small outputs only). */
export async function runToolOutput(cmd: string, args: string[]): Promise<ToolResult & { stdout: string }> {
  const { child, exited } = streamTool(cmd, args);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  const res = await exited;
  return { ...res, stdout };
}

/** Starts `cmd` with its stdout as a stream; `exited` resolves when it ends. */
export function streamTool(cmd: string, args: string[], opts: { cwd?: string } = {}): { child: ChildProcessByStdio<null, Readable, Readable>; exited: Promise<ToolResult> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
  const stderr = tail(child);
  const exited = new Promise<ToolResult>((resolve) => {
    child.on('error', (err) => resolve({ code: -1, stderr: err.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr: stderr() }));
  });
  return { child, exited };
}
