/**
 * The `startup` and `readiness` phases: the template's start command runs once in the build
 * sandbox (over the finished layers, on a throw-away upper layer, so it leaves nothing in the
 * template), and its readiness check must pass within `timeout_secs`, probed every
 * `interval_ms` after `startup_grace_secs`. A start command that exits first fails with
 * `start_cmd_failed`; a check that never passes with `readiness_timeout`; both show the last
 * lines of output.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KilnError } from '../../errors/errors.ts';
import type { Readiness } from '../../domain/plan-types.ts';
import { resolveUser } from '../../oci/image-config/resolve-user.ts';
import type { ExecutionContext } from '../build-executor.ts';
import { openBuildNetwork, type BuildNetwork } from '../runc/build-network.ts';
import type { ImageConfigDefaults } from '../../oci/image-config/config-defaults.ts';
import { startContainer, type ContainerExit } from '../runc/runc-container.ts';
import { mountOverlay, unmount } from './overlay-mount.ts';
import { probeOnce } from './readiness-probe.ts';
import { StepState } from './step-state.ts';

/** Without a readiness check, a start command counts as started when it is still running (or exited 0) after this long. */
const NO_CHECK_GRACE_MS = 1_000;

/** What the start phase needs. */
export interface StartOptions {
  layers: string[];
  mnt: string;
  work: string;
  startCmd: string;
  readiness: Readiness | null;
  state: StepState;
  /** The template's environment (ENV steps and runtime_config.envs), over the state's. */
  env: Record<string, string>;
  network: BuildNetwork;
  config: { vcpus?: number; memory_mib?: number };
}

function tail(exit: ContainerExit | undefined, lines: string[]): string {
  const last = exit?.lastLines ?? lines;
  return last.length ? `\nLast output:\n${last.join('\n')}` : ' It printed nothing.';
}

/** Starts the template once and waits until it is ready; throws `start_cmd_failed` or `readiness_timeout`. */
export async function startAndCheck(ctx: ExecutionContext, o: StartOptions): Promise<void> {
  const { log } = ctx;
  await log.enter('startup', `Starting the template: ${o.startCmd}`);
  const dir = path.join(o.work, 'start');
  await mountOverlay(o.mnt, o.layers, { upper: path.join(dir, 'upper'), work: path.join(dir, 'work') });
  const recent: string[] = [];
  let lines = Promise.resolve();
  try {
    const user = await resolveUser(o.mnt, o.state.user);
    const id = `kiln-${ctx.build.id}-start-${randomBytes(3).toString('hex')}`;
    const container = await startContainer(id, path.join(dir, 'bundle'), {
      rootfs: o.mnt, args: ['/bin/sh', '-c', o.startCmd], env: o.state.runEnv(o.env, user), uid: user.uid, gid: user.gid,
      cwd: path.posix.resolve('/', o.state.workdir), hostname: 'kiln-build', netns: o.network.netns, resolvConf: o.network.resolvConf,
      vcpus: o.config.vcpus, memoryMib: o.config.memory_mib, cgroupsPath: `/kiln/${id}`,
    }, (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      lines = lines.then(() => log.info(line, { phase: 'startup' }).then(() => {})).catch(() => {});
    });
    const stop = () => { void container.kill(); };
    ctx.signal.addEventListener('abort', stop, { once: true });
    let exit: ContainerExit | undefined;
    void container.exited.then((e) => { exit = e; });
    try {
      await checkReady(ctx, o, container, `${user.uid}:${user.gid}`, () => exit, recent);
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      await container.kill();
      await lines;
    }
  } finally {
    await unmount(o.mnt);
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkReady(ctx: ExecutionContext, o: StartOptions, container: Parameters<typeof probeOnce>[1], user: string, exited: () => ContainerExit | undefined, recent: string[]): Promise<void> {
  const { log, signal } = ctx;
  const failedToStart = (e: ContainerExit) => new KilnError('start_cmd_failed', `The start command exited with code ${e.code} before the template was ready.${tail(e, recent)}`, { phase: 'startup' });
  const r = o.readiness;
  if (!r) {
    await sleep(NO_CHECK_GRACE_MS, undefined, { signal });
    const e = exited();
    if (e && e.code !== 0) throw failedToStart(e);
    await log.enter('readiness', 'No readiness check is set: the start command is running.');
    return;
  }
  await log.enter('readiness', `Waiting for readiness (${r.kind}) for up to ${r.timeout_secs} s.`);
  if (r.startup_grace_secs > 0) await sleep(r.startup_grace_secs * 1000, undefined, { signal });
  const deadline = Date.now() + r.timeout_secs * 1000;
  let attempts = 0;
  for (;;) {
    signal.throwIfAborted();
    const e = exited();
    if (e && e.code !== 0) throw failedToStart(e);
    if (r.kind === 'timeout' ? Date.now() >= deadline : await probeOnce(r, container, o.mnt, user)) {
      await log.info(r.kind === 'timeout' ? `Waited ${r.timeout_secs} s: the template counts as ready.` : `Ready after ${attempts + 1} check${attempts ? 's' : ''}.`);
      return;
    }
    attempts++;
    if (Date.now() >= deadline) {
      throw new KilnError('readiness_timeout', `The ${r.kind} readiness check did not pass within ${r.timeout_secs} s (${attempts} checks every ${r.interval_ms} ms); raise readiness.timeout_secs or fix the start command.${tail(exited(), recent)}`, { phase: 'readiness' });
    }
    await sleep(Math.min(r.interval_ms, Math.max(0, deadline - Date.now())), undefined, { signal });
  }
}

/**
 * The start phase for a finished root filesystem that is not built step by step here (the
 * buildkit backend's): the image's own env, user and workdir, a build network of its own.
 */
export async function startFinishedRootfs(ctx: ExecutionContext, o: { layers: string[]; defaults: ImageConfigDefaults; env: Record<string, string> }): Promise<void> {
  const startCmd = ctx.build.runtime_defaults.start_cmd;
  if (typeof startCmd !== 'string' || startCmd === '') return;
  const config = ctx.build.build_config as { vcpus?: number; memory_mib?: number; internet_access?: boolean };
  const work = path.join(ctx.buildDir, 'start-work');
  await mkdir(work, { recursive: true, mode: 0o700 });
  const network = await openBuildNetwork(config.internet_access !== false, work);
  try {
    await startAndCheck(ctx, {
      layers: o.layers, mnt: path.join(work, 'rootfs'), work, startCmd, readiness: (ctx.build.runtime_defaults.readiness ?? null) as Readiness | null,
      state: new StepState(o.defaults), env: o.env, network, config,
    });
  } finally {
    await network.close();
    await rm(work, { recursive: true, force: true });
  }
}
