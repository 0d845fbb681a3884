/**
 * Runs one command under GNU time (`/usr/bin/time`) and reports its wall time, CPU time and
 * peak resident set (the kernel's ru_maxrss, the same figure as VmHWM at exit). Each command
 * runs in its own process group, tracked by pid, and is stopped by that id on timeout or abort.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** GNU time, which reads the child's rusage when it exits. */
export const GNU_TIME = '/usr/bin/time';

/** What one measured command did. */
export interface Measured {
  /** Wall time from spawn to exit, measured by this process. */
  wallMs: number;
  /** User plus system CPU time of the command. */
  cpuMs: number;
  /** System (kernel) CPU time of the command, part of `cpuMs`. */
  sysMs: number;
  /** Peak resident set size of the command, in bytes. */
  maxRssBytes: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last 8 KiB of its standard error. */
  stderr: string;
}

/** Options of {@link measureCommand}. */
export interface MeasureOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** The command is stopped (its process group killed) after this long. */
  timeoutMs: number;
}

const live = new Map<number, ChildProcess>();

/** Whether GNU time is installed where {@link measureCommand} expects it. */
export function gnuTimeAvailable(): boolean {
  return existsSync(GNU_TIME);
}

/** Parses the `-f '%e %U %S %M'` line GNU time writes: elapsed s, user s, system s, max RSS KiB. */
export function parseTimeOutput(text: string): { cpuMs: number; sysMs: number; maxRssBytes: number } {
  const line = text.trim().split('\n').filter(Boolean).at(-1) ?? '';
  const f = line.trim().split(/\s+/).map(Number);
  if (f.length !== 4 || f.some((n) => !Number.isFinite(n))) throw new Error(`GNU time wrote ${JSON.stringify(text.slice(-200))}, not "elapsed user system maxrss"`);
  return { cpuMs: Math.round((f[1] + f[2]) * 1000), sysMs: Math.round(f[2] * 1000), maxRssBytes: f[3] * 1024 };
}

/** Sends `signal` to the process group led by `pid` (the command and GNU time). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

/** Stops one child by its process group id: SIGTERM, then SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every command still running (on failure or Ctrl-C), one by one by pid. */
export async function stopAllCommands(): Promise<void> {
  for (const child of [...live.values()]) await stopChild(child, 2000);
}

/** Runs `cmd args` to completion under GNU time; rejects only when it cannot be started. */
export async function measureCommand(cmd: string, args: string[], opts: MeasureOptions): Promise<Measured> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-bench-time-'));
  const timeFile = path.join(dir, 'time.txt');
  try {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, '--', cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: opts.cwd, env: { ...process.env, ...opts.env },
    });
    if (child.pid !== undefined) live.set(child.pid, child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-8192); });
    const timer = setTimeout(() => { void stopChild(child, 2000); }, opts.timeoutMs);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve({ code: c, signal: s }));
    }).finally(() => {
      clearTimeout(timer);
      if (child.pid !== undefined) live.delete(child.pid);
    });
    const wallMs = performance.now() - started;
    // GNU time writes the file before it exits; the pipes may still be draining.
    await new Promise<void>((resolve) => (child.stdout.readableEnded ? resolve() : child.stdout.once('close', () => resolve())));
    const timeText = await readFile(timeFile, 'utf8').catch(() => '');
    let usage = { cpuMs: Number.NaN, sysMs: Number.NaN, maxRssBytes: Number.NaN };
    try {
      usage = parseTimeOutput(timeText);
    } catch (err) {
      // A command that was killed may leave no usage line; a command that succeeded must.
      if (code === 0) throw err;
    }
    return { wallMs, ...usage, code, signal, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
