/**
 * The build worker: leases jobs it has an executor for, up to `concurrency` at once, and runs
 * each attempt. It wakes when a build is queued in this process and polls for the rest (other
 * processes' queues, expired leases of a worker that died).
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { BuildExecutor } from './build-executor.ts';
import type { CredentialVault } from './build-credentials.ts';
import type { BuildEvents } from './build-events.ts';
import { runBuild } from './run-build.ts';
import type { ArtifactWriter } from './artifacts/artifact-writer.ts';

/** Timing and size of a worker. */
export interface WorkerOptions {
  /** Builds run at once (KILN_BUILD_CONCURRENCY). */
  concurrency: number;
  /** How long a lease lasts without a heartbeat; a dead worker's build is retried after it. */
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  /** Attempts before a build whose worker keeps dying fails. */
  maxAttempts: number;
  /** Where builds keep their files: `${dataDir}/builds/<build_id>`. */
  dataDir: string;
}

/** Runs queued builds in this process. */
export class BuildWorker {
  /** This worker's id in leases: host, pid and a random suffix. */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly store: Store;
  private readonly executors: Map<string, BuildExecutor>;
  private readonly vault: CredentialVault;
  private readonly events: BuildEvents;
  private readonly opts: WorkerOptions;
  private readonly shutdown = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;

  private readonly onError: (err: unknown, buildId: string) => void;
  private readonly artifacts: ArtifactWriter | undefined;

  /** `onError` hears of attempts that failed outside any build phase (the store failing, say); their lease expires and they run again. */
  constructor(deps: { store: Store; executors: BuildExecutor[]; vault: CredentialVault; events: BuildEvents; onError?: (err: unknown, buildId: string) => void; artifacts?: ArtifactWriter }, opts: WorkerOptions) {
    this.onError = deps.onError ?? (() => {});
    this.artifacts = deps.artifacts;
    this.store = deps.store;
    this.executors = new Map(deps.executors.map((e) => [e.kind, e]));
    this.vault = deps.vault;
    this.events = deps.events;
    this.opts = opts;
  }

  /** Starts leasing. */
  start(): void {
    this.events.on('queued', this.wake);
    this.timer = setInterval(this.wake, this.opts.pollMs);
    this.wake();
  }

  /** Stops leasing and stops running builds; their jobs are handed back for a later attempt. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.events.off('queued', this.wake);
    this.shutdown.abort();
    await Promise.allSettled([...this.running]);
  }

  /** Leases as many jobs as there are free slots. */
  private readonly wake = (): void => {
    if (this.pumping || this.shutdown.signal.aborted) return;
    this.pumping = true;
    void this.pump().finally(() => { this.pumping = false; });
  };

  private async pump(): Promise<void> {
    while (this.running.size < this.opts.concurrency && !this.shutdown.signal.aborted) {
      const now = Date.now();
      const job = await this.store.leaseJob({
        workerId: this.id, now: new Date(now).toISOString(), leaseExpiresAt: new Date(now + this.opts.leaseMs).toISOString(),
        executors: [...this.executors.keys()],
      }).catch(() => undefined);
      if (!job) return;
      const run = runBuild(job, this.executors.get(job.executor)!, {
        store: this.store, vault: this.vault, events: this.events, workerId: this.id,
        leaseMs: this.opts.leaseMs, heartbeatMs: this.opts.heartbeatMs, maxAttempts: this.opts.maxAttempts,
        buildDir: (id) => path.join(this.opts.dataDir, 'builds', id), shutdown: this.shutdown.signal, artifacts: this.artifacts,
      }).catch((err: unknown) => this.onError(err, job.build_id)).finally(() => {
        this.running.delete(run);
        this.wake();
      });
      this.running.add(run);
    }
  }
}
