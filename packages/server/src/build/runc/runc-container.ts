/**
 * Runs one container with `runc run` over a bundle directory, streaming its output line by
 * line. Stopping it (a cancelled build, a finished start command) kills the container's whole
 * process tree: `runc kill <id> KILL` ends its pid namespace's init and with it every process.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { containerConfig, type ContainerSpec } from './container-config.ts';
import { LineSplitter } from './line-splitter.ts';

/** Where runc keeps container state (under /run, which is a tmpfs: nothing survives a reboot). */
export const RUNC_STATE_DIR = '/run/kiln-runc';

/** How a container ended. */
export interface ContainerExit {
  /** Exit code, or 128+signal when killed. */
  code: number;
  /** Whether it was stopped by {@link RunningContainer.kill}. */
  killed: boolean;
  /** The last lines of its output. */
  lastLines: string[];
}

/** A started container. */
export interface RunningContainer {
  readonly id: string;
  /** Resolves when the container's process ends. */
  readonly exited: Promise<ContainerExit>;
  /** The container's init pid on the host, once runc reports it (undefined before or after). */
  pid(): Promise<number | undefined>;
  /** Runs a command inside the running container as `user` (`uid:gid`) and returns its exit code (for readiness checks). */
  exec(args: string[], timeoutMs: number, user?: string): Promise<number>;
  /** Kills every process of the container and removes it. */
  kill(): Promise<void>;
}

function runc(args: string[], timeoutMs = 10_000): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('runc', ['--root', RUNC_STATE_DIR, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.resume();
    child.on('error', () => resolve({ code: -1, stdout }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

/** Removes a container left behind by an earlier process (a worker that died), if there is one. */
export async function removeStaleContainer(id: string): Promise<void> {
  await runc(['kill', id, 'KILL']);
  await runc(['delete', '--force', id]);
}

/** Removes every container whose id starts with `prefix` (all of a build's, after its worker died). */
export async function removeContainersWithPrefix(prefix: string): Promise<void> {
  const listed = await runc(['list', '--quiet']);
  for (const id of listed.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(prefix))) await removeStaleContainer(id);
}

/**
 * Starts `spec` as container `id` with its bundle in `bundleDir`; every output line (stdout and
 * stderr together) goes to `onLine`. The bundle directory is removed when the container ends.
 */
export async function startContainer(id: string, bundleDir: string, spec: ContainerSpec, onLine: (line: string) => void): Promise<RunningContainer> {
  await mkdir(bundleDir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(bundleDir, 'config.json'), JSON.stringify(containerConfig(spec)), { mode: 0o600 });
  await removeStaleContainer(id);
  const lines = new LineSplitter(onLine);
  const child = spawn('runc', ['--root', RUNC_STATE_DIR, 'run', '--bundle', bundleDir, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => lines.push(d));
  child.stderr.on('data', (d: Buffer) => lines.push(d));
  let killed = false;
  const exited = new Promise<ContainerExit>((resolve) => {
    let done = 0;
    let code = -1;
    const finish = () => {
      if (++done < 3) return;
      lines.end();
      void rm(bundleDir, { recursive: true, force: true }).finally(() => resolve({ code, killed, lastLines: lines.lastLines() }));
    };
    child.stdout.on('close', finish);
    child.stderr.on('close', finish);
    child.on('error', (err) => { onLine(`runc failed to start: ${err.message}`); code = 127; finish(); finish(); finish(); });
    child.on('close', (c, signal) => { code = c ?? (signal ? 128 + 9 : -1); finish(); });
  });
  return {
    id,
    exited,
    async pid() {
      const state = await runc(['state', id]);
      if (state.code !== 0) return undefined;
      try {
        const pid = (JSON.parse(state.stdout) as { pid?: number; status?: string }).pid;
        return pid && pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    async exec(args, timeoutMs, user) {
      return (await runc(['exec', ...(user ? ['--user', user] : []), id, ...args], timeoutMs)).code;
    },
    async kill() {
      killed = true;
      await runc(['kill', id, 'KILL']);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      await runc(['delete', '--force', id]);
    },
  };
}
