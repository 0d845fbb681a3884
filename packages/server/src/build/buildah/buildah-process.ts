/**
 * Runs one long buildah command (a build) as the leader of its own process group, hands its
 * output over line by line as it arrives, and on abort kills the whole group and every runc
 * container the build started (they run in sessions of their own, outside the group).
 */
import { spawn } from 'node:child_process';
import type { BuildahHost } from './buildah-host.ts';
import { engineMissing } from './buildah-host.ts';
import { killRuncContainers } from './runc-sweep.ts';
import { LineSplitter } from '../runc/line-splitter.ts';

/** How a buildah run ended. */
export interface BuildahExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** Whether the run was stopped by the abort signal. */
  aborted: boolean;
  /** The last output lines (both streams, in arrival order). */
  tail: string[];
}

/** Options of {@link runBuildah}. */
export interface BuildahRunOptions {
  env: Record<string, string>;
  /** The runc state directory the build's containers are created under. */
  runcRoot: string;
  signal: AbortSignal;
  /** Called for every complete output line, stdout and stderr alike. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Lines kept for {@link BuildahExit.tail} (default 20). */
  keep?: number;
}

/** Runs `buildah <global flags> <args>` until it exits or the signal aborts it. */
export function runBuildah(host: BuildahHost, args: string[], opts: BuildahRunOptions): Promise<BuildahExit> {
  const keep = opts.keep ?? 20;
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) {
      resolve({ code: null, aborted: true, tail });
      return;
    }
    const child = spawn(host.binary, [...host.globalArgs(), ...args], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: host.env(opts.env),
    });
    let aborted = false;
    let killing: Promise<unknown> = Promise.resolve();
    const onAbort = () => {
      aborted = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch { /* the group has already gone */ }
      killing = killRuncContainers(opts.runcRoot);
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const reader = (stream: 'stdout' | 'stderr') => new LineSplitter((line) => {
      tail.push(line);
      if (tail.length > keep) tail.shift();
      opts.onLine(line, stream);
    }, 0);
    const out = reader('stdout');
    const err = reader('stderr');
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', (e: NodeJS.ErrnoException) => {
      opts.signal.removeEventListener('abort', onAbort);
      reject(e.code === 'ENOENT' ? engineMissing(host.binary) : e);
    });
    child.once('close', (code) => {
      opts.signal.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      // Containers may outlive buildah (killed or crashed): stop whatever is left of this build's.
      void killing.then(() => killRuncContainers(opts.runcRoot)).then(() => resolve({ code, aborted, tail }), () => resolve({ code, aborted, tail }));
    });
  });
}
