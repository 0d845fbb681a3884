/** One RUN step in a runc container over the build's mounted root filesystem. */
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import type { BuildStep } from '../../domain/plan-types.ts';
import { resolveUser } from '../../oci/image-config/resolve-user.ts';
import { startContainer } from '../runc/runc-container.ts';
import type { BuildNetwork } from '../runc/build-network.ts';
import { ensureDir } from './rootfs-writer.ts';
import type { StepState } from './step-state.ts';

/** What a RUN needs besides its step. */
export interface RunStepOptions {
  rootfs: string;
  containerId: string;
  bundleDir: string;
  state: StepState;
  buildEnvs: Record<string, string>;
  network: BuildNetwork;
  limits: { vcpus?: number; memoryMib?: number };
  signal: AbortSignal;
  onLine: (line: string) => void;
  /** For messages: `step 3/7`. */
  position: { index: number; total: number };
}

/** The argv of a RUN: exec form as given, shell form through `/bin/sh -c`. */
export function runArgv(step: BuildStep): string[] {
  return step.exec_form ? step.args : ['/bin/sh', '-c', step.args.join(' ')];
}

/** Runs a RUN step to its end; throws `step_failed` (with the exit code and last lines) when it fails. */
export async function runStep(step: BuildStep, o: RunStepOptions): Promise<void> {
  o.signal.throwIfAborted();
  const user = await resolveUser(o.rootfs, o.state.user).catch((err: unknown) => {
    throw err instanceof KilnError ? new KilnError(err.code, err.message, { phase: 'step' }) : err;
  });
  await ensureDir(o.rootfs, o.state.workdir, { uid: 0, gid: 0 });
  const container = await startContainer(o.containerId, o.bundleDir, {
    rootfs: o.rootfs, args: runArgv(step), env: o.state.runEnv(o.buildEnvs, user), uid: user.uid, gid: user.gid,
    cwd: path.posix.resolve('/', o.state.workdir), hostname: 'kiln-build', netns: o.network.netns, resolvConf: o.network.resolvConf,
    vcpus: o.limits.vcpus, memoryMib: o.limits.memoryMib, cgroupsPath: `/kiln/${o.containerId}`,
  }, o.onLine);
  const stop = () => { void container.kill(); };
  o.signal.addEventListener('abort', stop, { once: true });
  try {
    const exit = await container.exited;
    o.signal.throwIfAborted();
    if (exit.code !== 0) {
      const what = `${step.instruction} ${step.args.join(' ')}`.slice(0, 200);
      const tail = exit.lastLines.length ? `\nLast output:\n${exit.lastLines.join('\n')}` : ' It printed nothing.';
      const oom = exit.code === 137 && o.limits.memoryMib ? ` It was killed: it may have run out of its ${o.limits.memoryMib} MiB memory limit (raise build_config.memory_mib).` : '';
      throw new KilnError('step_failed', `Step ${o.position.index}/${o.position.total} (${what}, line ${step.line}) exited with code ${exit.code}.${oom}${tail}`, { phase: 'step', stepIndex: o.position.index });
    }
  } finally {
    o.signal.removeEventListener('abort', stop);
    await container.kill();
  }
}
