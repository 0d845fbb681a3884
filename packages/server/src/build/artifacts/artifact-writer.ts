/** The `finalize` phase's artifact maker, as the worker sees it. */
import type { BuildPatch, BuildRecord, Store } from '../../store/store.ts';
import type { ExecutionContext, ExecutionResult } from '../build-executor.ts';

/** An earlier build's artifact, reused whole: what the build becomes without running its executor. */
export interface ReusedBuild {
  /** The runtime defaults and OCI metadata of the build that made the artifact (`rootfs.layers` is empty: nothing to finalize). */
  result: ExecutionResult;
  /** What to record on the build (its `artifact_id`). */
  patch: BuildPatch;
}

/** Makes a build's artifacts from the final root filesystem an executor left. */
export interface ArtifactWriter {
  /**
   * In the `cache` phase, before the executor: an artifact of an identical earlier build to reuse
   * (the whole-build cache), logging the hit, miss or bypass; undefined when the build must run.
   */
  reuse?(ctx: ExecutionContext): Promise<ReusedBuild | undefined>;
  /**
   * Writes the ext4 root filesystem image and the OCI image of a successful execution, logging in
   * the `finalize` phase, and returns what to record on the build when it turns `ready`. Throws a
   * KilnError with phase `finalize` when it cannot (the root filesystem does not fit `disk_mb`, say).
   */
  write(ctx: ExecutionContext, result: ExecutionResult): Promise<BuildPatch>;
  /** In the transaction that marks the build `ready`: points its requested tags at it. */
  publish?(tx: Store, build: BuildRecord): Promise<void>;
}
