/**
 * The whole-build (`final_artifact`) cache: a build whose tenant, source digest, context digest,
 * build_config and base image identity equal those of an earlier ready build reuses that build's
 * artifact instead of running. `skip_cache` bypasses it (and the artifact it then makes is never
 * reused). Every decision is a `cache` entry counted in `cache_summary`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, sha256Digest } from '../../domain/digest.ts';
import { BUILTIN_PREFIX } from '../../domain/builtin-tenant.ts';
import { findTemplateBuild } from '../template-base.ts';
import type { ArtifactRecord, BuildRecord, Store } from '../../store/store.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { ExecutionContext } from '../build-executor.ts';

/**
 * Resolves a registry image reference to the manifest digest it names now (for the cache key), or
 * undefined when that is not known. Until one is supplied, the reference string itself is used, so
 * a tag that moved in its registry is not noticed by the whole-build cache.
 */
export type RegistryDigestResolver = (ref: string, build: BuildRecord) => Promise<string | undefined>;

/** The base image a build starts from, as its plan names it. */
export function baseRef(build: BuildRecord): string {
  const plan = build.plan.build_plan as { base_template?: unknown } | undefined;
  const ref = typeof plan?.base_template === 'string' && plan.base_template ? plan.base_template : build.definition.base_image;
  return typeof ref === 'string' ? ref : '';
}

/** The whole-build cache key of a build whose base resolved to `baseIdentity`. */
export function finalArtifactKey(build: BuildRecord, baseIdentity: string): string {
  return sha256Digest(canonicalJson({
    kind: 'final_artifact', version: 1, tenant_id: build.tenant_id, source_digest: build.source_digest,
    context_digest: build.context_digest, build_config: build.build_config, base: baseIdentity,
  }));
}

/** What the cache needs. */
export interface FinalArtifactCacheDeps {
  store: Store;
  images: OciLayoutStore;
  dataDir: string;
  /** The hook for registry bases (see {@link RegistryDigestResolver}). */
  registryDigest?: RegistryDigestResolver;
}

/** Looks up and keys reusable artifacts. */
export class FinalArtifactCache {
  private readonly deps: FinalArtifactCacheDeps;

  constructor(deps: FinalArtifactCacheDeps) {
    this.deps = deps;
  }

  /**
   * What the base is now: a builtin's manifest digest in the image store, one of the tenant's
   * templates with the artifact its ref points at, or a registry reference (with its digest when
   * the resolver knows it).
   */
  async baseIdentity(build: BuildRecord): Promise<string> {
    const ref = baseRef(build);
    if (ref.startsWith(BUILTIN_PREFIX)) {
      const desc = await this.deps.images.resolve(ref.includes(':') ? ref : `${ref}:latest`).catch(() => undefined);
      return `builtin:${ref}@${desc?.digest ?? 'absent'}`;
    }
    const { template, qualifier, build: base } = await findTemplateBuild(this.deps.store, build.tenant_id, ref);
    if (template) return `template:${template.id}:${qualifier ?? ''}@${base?.artifact_id ?? 'none'}`;
    const digest = await this.deps.registryDigest?.(ref, build);
    return digest ? `image:${ref}@${digest}` : `image:${ref}`;
  }

  /** The build's key, or null when it asked to skip the cache. */
  async key(build: BuildRecord): Promise<string | null> {
    if (build.definition.skip_cache === true) return null;
    return finalArtifactKey(build, await this.baseIdentity(build));
  }

  /** The `cache` phase: an artifact to reuse, or undefined (a miss or a bypass), each logged. */
  async lookup(ctx: ExecutionContext): Promise<{ artifact: ArtifactRecord; source: BuildRecord } | undefined> {
    const { build, cache } = ctx;
    const key = await this.key(build);
    if (key === null) {
      await cache.record('final_artifact', 'bypass', 'whole build', { reason: 'whole_build_skip_cache', phase: 'cache', message: 'Whole-build cache bypassed: the build asked for skip_cache.' });
      return undefined;
    }
    const found = await this.reusable(build, key);
    if (!found) {
      await cache.record('final_artifact', 'miss', key, { reason: 'missing_or_incompatible', phase: 'cache', message: `Whole-build cache miss (${key}): no ready build with the same source, context, build_config and base.` });
      return undefined;
    }
    await cache.record('final_artifact', 'hit', key, { phase: 'cache', message: `Whole-build cache hit (${key}): reusing artifact ${found.artifact.id} of build ${found.source.id}.` });
    return found;
  }

  /** The newest reusable artifact with `key` whose ext4 image is still on disk. */
  private async reusable(build: BuildRecord, key: string): Promise<{ artifact: ArtifactRecord; source: BuildRecord } | undefined> {
    const { store } = this.deps;
    for (let tries = 0; tries < 3; tries++) {
      const artifact = await store.findReusableArtifact(build.tenant_id, key);
      if (!artifact) return undefined;
      const present = await stat(path.join(this.deps.dataDir, artifact.ext4_path)).then((s) => s.isFile(), () => false);
      const source = present ? await store.getBuild(build.tenant_id, artifact.build_id) : undefined;
      if (source) return { artifact, source };
      await store.updateArtifact(build.tenant_id, artifact.id, { status: 'missing' }, ['available']);
    }
    return undefined;
  }
}
