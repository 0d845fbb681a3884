/**
 * The benchmark's child processes: started with `process.execPath`, tracked by pid, and
 * stopped one by one (SIGTERM, then SIGKILL after a grace period), including on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const live = new Set<ChildProcess>();

/** A child that has exited: its exit code (null when a signal ended it) and what it wrote. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `node <args>` with a pipe on stdin (closing it tells a target server to stop). */
export function spawnNode(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Runs `node <args>` to completion, killing it after `timeoutMs`. */
export async function runNode(args: string[], timeoutMs: number): Promise<Finished> {
  const child = spawnNode(args);
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const timer = setTimeout(() => { void stopChild(child, 2000); }, timeoutMs);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  try {
    const { code, signal } = await closed;
    return { code, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the first stdout line of `child` and parses it as JSON; rejects if the child exits or `timeoutMs` passes first. */
export function firstJsonLine<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-4000); });
  return new Promise<T>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const fail = (why: string) => {
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      lines.close();
      reject(new Error(`${why}${stderr ? `; its stderr:\n${stderr}` : ''}`));
    };
    const timer = setTimeout(() => fail(`process ${child.pid} printed nothing within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`process ${child.pid} exited (${signal ?? code}) before it was ready`);
    child.once('exit', onExit);
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      lines.close();
      child.stdout?.resume();
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`process ${child.pid} printed ${JSON.stringify(line.slice(0, 200))}, not JSON`));
      }
    });
  });
}

/** Stops one child by its pid: SIGTERM, then SIGKILL if it is still running after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every child this module started that is still running, one by one. */
export async function stopAllChildren(): Promise<void> {
  for (const child of [...live]) await stopChild(child, 3000);
}
