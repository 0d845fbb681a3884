/**
 * One attempt of one build on a leased job: marks it building, runs its executor with a
 * heartbeat that renews the lease and watches for cancellation, and records the outcome —
 * `ready`, `error` with a structured detail, or `cancelled` — with a durable `end` entry.
 */
import { KilnError } from '../errors/errors.ts';
import type { BuildJobRecord, BuildRecord, ErrorDetail, Store } from '../store/store.ts';
import { isTerminal } from '../domain/build-view.ts';
import { BuildLog, isBuildPhase } from './build-log.ts';
import type { BuildExecutor } from './build-executor.ts';
import type { CredentialVault } from './build-credentials.ts';
import type { BuildEvents } from './build-events.ts';
import type { ArtifactWriter } from './artifacts/artifact-writer.ts';
import { CacheRecorder } from './cache/cache-recorder.ts';

/** What one attempt needs. */
export interface RunDeps {
  store: Store;
  vault: CredentialVault;
  events: BuildEvents;
  workerId: string;
  leaseMs: number;
  heartbeatMs: number;
  maxAttempts: number;
  buildDir: (buildId: string) => string;
  /** Aborted when the worker shuts down: the build is left to a later attempt. */
  shutdown: AbortSignal;
  /** Makes the artifacts of a successful execution (none are made without it). */
  artifacts?: ArtifactWriter;
}

/** Why a running build stopped early. */
type StopReason = 'cancelled' | 'shutdown' | 'lease_lost';

/** Runs one leased job to its end (or hands it back on shutdown). */
export async function runBuild(job: BuildJobRecord, executor: BuildExecutor, deps: RunDeps): Promise<void> {
  const { store } = deps;
  const build = await store.getBuild(job.tenant_id, job.build_id);
  if (!build) {
    await store.removeJob(job.build_id);
    return;
  }
  const log = new BuildLog(store, build, job.attempts, deps.maxAttempts, deps.events);
  if (isTerminal(build.status)) {
    await closeEndedBuild(build, log);
    await store.removeJob(job.build_id);
    return;
  }
  if (job.attempts > deps.maxAttempts) {
    await fail(build, log, new KilnError('worker_lost', `The worker running this build stopped ${job.attempts - 1} times; giving up after ${deps.maxAttempts} attempts. Retry the build.`, { phase: 'retry' }), deps);
    await store.removeJob(job.build_id);
    return;
  }
  if (job.attempts > 1) {
    await log.write('retry', 'warn', `Attempt ${job.attempts} of ${deps.maxAttempts}: the previous worker stopped during the build; starting again.`, { phase: 'retry' });
  }
  const now = new Date().toISOString();
  const started = await store.updateBuild(build.tenant_id, build.id, { status: 'building', started_at: now, updated_at: now, attempt: job.attempts }, ['waiting', 'building']);
  if (!started) {
    await closeEndedBuild((await store.getBuild(build.tenant_id, build.id)) ?? build, log);
    await store.removeJob(job.build_id);
    return;
  }

  const stop = new AbortController();
  const stopWith = (reason: StopReason) => { if (!stop.signal.aborted) stop.abort(reason); };
  const onShutdown = () => stopWith('shutdown');
  const onCancel = (id: string) => { if (id === build.id) stopWith('cancelled'); };
  deps.shutdown.addEventListener('abort', onShutdown);
  deps.events.on('cancelled', onCancel);
  const heartbeat = setInterval(() => {
    void (async () => {
      const held = await store.renewLease(build.id, deps.workerId, new Date(Date.now() + deps.leaseMs).toISOString());
      if (!held) return stopWith('lease_lost');
      const current = await store.getBuild(build.tenant_id, build.id);
      if (current?.status === 'cancelled') stopWith('cancelled');
    })().catch(() => {});
  }, deps.heartbeatMs);

  try {
    await log.write('start', 'info', `Build started: ${build.source_type} on the ${build.build_backend} backend (attempt ${job.attempts}).`);
    const ctx = {
      build: started, log, signal: stop.signal, buildDir: deps.buildDir(build.id), credentials: deps.vault.get(build.id),
      cache: new CacheRecorder(store, started, log),
    };
    // The whole-build cache (`cache` phase) may answer with an earlier build's artifact instead of a run.
    const reused = await deps.artifacts?.reuse?.(ctx);
    const result = reused?.result ?? await executor.run(ctx);
    if (stop.signal.aborted) throw stop.signal.reason;
    const artifacts = reused?.patch ?? (deps.artifacts ? await deps.artifacts.write(ctx, result) : {});
    if (stop.signal.aborted) throw stop.signal.reason;
    const done = new Date().toISOString();
    const ready = await store.transaction(async (tx) => {
      const updated = await tx.updateBuild(build.tenant_id, build.id, {
        ...artifacts, status: 'ready', finished_at: done, updated_at: done, runtime_defaults: result.runtime_defaults, oci_metadata: result.oci_metadata,
      }, ['building']);
      if (updated) await deps.artifacts?.publish?.(tx, updated);
      return updated;
    });
    if (ready) {
      await log.write('end', 'info', 'Build ready.', { phase: 'finalize', result: 'ready', result_metadata: { duration_ms: Date.parse(done) - Date.parse(now) } });
    } else {
      await closeEndedBuild((await store.getBuild(build.tenant_id, build.id)) ?? build, log);
    }
  } catch (err) {
    const reason = stop.signal.aborted ? (stop.signal.reason as StopReason) : undefined;
    if (reason === 'shutdown' || reason === 'lease_lost') {
      // Another attempt will run it: hand the lease back now so it need not wait for expiry.
      if (reason === 'shutdown') await store.renewLease(build.id, deps.workerId, new Date(0).toISOString()).catch(() => {});
      return;
    }
    if (reason === 'cancelled') {
      await closeEndedBuild((await store.getBuild(build.tenant_id, build.id)) ?? build, log);
    } else {
      await fail(build, log, err, deps);
    }
  } finally {
    clearInterval(heartbeat);
    deps.shutdown.removeEventListener('abort', onShutdown);
    deps.events.off('cancelled', onCancel);
  }
  deps.vault.drop(build.id);
  await store.removeJob(job.build_id);
}

/** Records a failure: status `error`, `error_detail`, an `error` entry and the `end` entry. */
async function fail(build: BuildRecord, log: BuildLog, err: unknown, deps: RunDeps): Promise<void> {
  const kerr = err instanceof KilnError ? err : new KilnError('internal_error', `Kiln failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
  const phase = isBuildPhase(kerr.phase) ? kerr.phase : log.phase ?? 'preparing';
  const detail: ErrorDetail = {
    code: kerr.code, message: kerr.message, phase,
    step_index: kerr.stepIndex ?? null,
    retryable: kerr.status >= 500 || kerr.code === 'credentials_required',
  };
  const now = new Date().toISOString();
  const failed = await deps.store.updateBuild(build.tenant_id, build.id, {
    status: 'error', failure_phase: phase, error_detail: detail, finished_at: now, updated_at: now,
  }, ['waiting', 'building']);
  if (!failed) return closeEndedBuild((await deps.store.getBuild(build.tenant_id, build.id)) ?? build, log);
  await log.write('error', 'error', kerr.message, { phase, error_detail: detail });
  await log.write('end', 'error', `Build failed in ${phase}: ${kerr.code}.`, { phase, result: 'error', error_detail: detail });
}

/** For a build that ended while it ran (cancelled): writes `cancelled` and `end` unless its log already ends. */
async function closeEndedBuild(build: BuildRecord, log: BuildLog): Promise<void> {
  if (build.status !== 'cancelled' || (await log.hasEnded())) return;
  await log.write('cancelled', 'warn', `Build cancelled: ${build.cancel_reason ?? 'cancelled by request'}`);
  await log.write('end', 'info', 'Build ended: cancelled', { result: 'cancelled' });
}
