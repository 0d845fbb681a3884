/** The embedded build queue: jobs live in the store's own database (SQLite by default). */
import type { Store } from '../store/store.ts';
import type { BuildQueue } from './build-queue.ts';
import type { ExecutorKind } from '../domain/executor-kind.ts';

/** A BuildQueue kept in the `build_jobs` table of the store. */
export class StoreQueue implements BuildQueue {
  /** Adds the job in the caller's transaction. */
  async enqueue(store: Store, job: { build_id: string; tenant_id: string; now: string; executor: ExecutorKind }): Promise<void> {
    await store.enqueueJob({ build_id: job.build_id, tenant_id: job.tenant_id, enqueued_at: job.now, leased_by: null, lease_expires_at: null, attempts: 0, executor: job.executor });
  }

  /** Removes the job in the caller's transaction. */
  async remove(store: Store, buildId: string): Promise<boolean> {
    return store.removeJob(buildId);
  }
}
