/** The interface every build executor implements; the worker picks one by the job's executor kind. */
import type { ExecutorKind } from '../domain/executor-kind.ts';
import type { BuildRecord } from '../store/store.ts';
import type { BuildLog } from './build-log.ts';
import type { BuildCredentials } from './build-credentials.ts';
import type { FinalRootfs } from './final-rootfs.ts';
import type { CacheRecorder } from './cache/cache-recorder.ts';

/** What an executor is given for one attempt of one build. */
export interface ExecutionContext {
  build: BuildRecord;
  log: BuildLog;
  /** Aborted when the build is cancelled or the worker stops. */
  signal: AbortSignal;
  /** A directory of this build's own, kept after the build (its artifacts live here). */
  buildDir: string;
  /** Request-time credentials and secrets, when this process still holds them. */
  credentials: BuildCredentials | undefined;
  /** Where cache decisions are logged and counted. */
  cache: CacheRecorder;
}

/** What a successful execution leaves behind. */
export interface ExecutionResult {
  /** The template's runtime defaults (env keys only, never values). */
  runtime_defaults: Record<string, unknown>;
  oci_metadata: Record<string, unknown>;
  /** The final root filesystem, from which `finalize` makes the artifacts. */
  rootfs: FinalRootfs;
}

/** Runs builds of one executor kind. */
export interface BuildExecutor {
  readonly kind: ExecutorKind;
  /** Runs the build's phases; throws a KilnError (with its phase) on failure. */
  run(ctx: ExecutionContext): Promise<ExecutionResult>;
}
