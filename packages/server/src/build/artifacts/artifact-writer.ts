/** The `finalize` phase's artifact maker, as the worker sees it. */
import type { BuildPatch } from '../../store/store.ts';
import type { ExecutionContext, ExecutionResult } from '../build-executor.ts';

/** Makes a build's artifacts from the final root filesystem an executor left. */
export interface ArtifactWriter {
  /**
   * Writes the ext4 root filesystem image and the OCI image of a successful execution, logging in
   * the `finalize` phase, and returns what to record on the build when it turns `ready`. Throws a
   * KilnError with phase `finalize` when it cannot (the root filesystem does not fit `disk_mb`, say).
   */
  write(ctx: ExecutionContext, result: ExecutionResult): Promise<BuildPatch>;
}
