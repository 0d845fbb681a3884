/** What the planner needs from build contexts; implemented by the context service. */
import type { Problem } from '../../errors/errors.ts';
import type { ContextFile } from '../../store/store.ts';
import type { BuildRequest } from '../schemas/build-request-schema.ts';

/** A build context the request refers to, uploaded or inline. */
export interface ResolvedContext {
  /** The stored manifest's id; null for inline files that were only checked, not stored. */
  manifest_id: string | null;
  digest: string;
  file_count: number;
  files: ContextFile[];
}

/** Finds or stores the context a request names. */
export interface ContextResolver {
  /** Resolves `build_context`: an uploaded manifest of the tenant, or inline files (stored only when `persist`). */
  resolve(tenantId: string, spec: NonNullable<BuildRequest['build_context']>, opts: { persist: boolean }): Promise<{ problems: Problem[]; context?: ResolvedContext }>;
  /** Finds the tenant's uploaded context with this digest (`sha256:<hex>` or bare hex). */
  resolveByDigest(tenantId: string, digest: string): Promise<{ problems: Problem[]; context?: ResolvedContext }>;
  /** Reads a text file of the context (for dockerfile_path); undefined when absent or larger than maxBytes. */
  readText(context: ResolvedContext, path: string, maxBytes: number): Promise<string | undefined>;
}
