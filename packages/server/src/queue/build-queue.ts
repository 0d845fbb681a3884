/** The build queue: where accepted builds wait for a worker. Backends implement this interface. */
import type { Store } from '../store/store.ts';
import type { ExecutorKind } from '../domain/executor-kind.ts';

/** A queue of build jobs. `store` is the transaction the build was written in, so both commit together. */
export interface BuildQueue {
  /** Adds a build to the queue within the caller's transaction. */
  enqueue(store: Store, job: { build_id: string; tenant_id: string; now: string; executor: ExecutorKind }): Promise<void>;
  /** Takes a waiting build out of the queue; returns whether it was there. */
  remove(store: Store, buildId: string): Promise<boolean>;
}
