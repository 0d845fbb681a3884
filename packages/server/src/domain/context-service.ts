/**
 * Build contexts: uploads are ingested into the content-addressed blob store and recorded as
 * a manifest; a build request's `build_context` names a manifest or carries inline files.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import { KilnError, problem, type Problem } from '../errors/errors.ts';
import { BlobStore } from '../context/blob-store.ts';
import { ingestArchive } from '../context/ingest-archive.ts';
import { ingestInlineFiles } from '../context/inline-context.ts';
import type { ContextLimits } from '../context/context-limits.ts';
import type { Store } from '../store/store.ts';
import type { BuildRequest } from './schemas/build-request-schema.ts';
import type { ContextResolver, ResolvedContext } from './plan/context-resolver.ts';
import { newId } from './ids.ts';
import { LruCache } from './lru-cache.ts';

/** Manifests larger than this are not kept in memory. */
const MAX_CACHED_MANIFEST_FILES = 10_000;

/** The answer to an upload. */
export interface UploadedContext {
  context_manifest_id: string;
  context_digest: string;
  file_count: number;
  total_bytes: number;
  /** Paths left out because `.dockerignore` excludes them. */
  ignored_count: number;
}

/** Uploads, resolves and reads build contexts. */
export class ContextService implements ContextResolver {
  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly limits: ContextLimits;
  private readonly manifests = new LruCache<string, ResolvedContext>(64);

  private constructor(store: Store, blobs: BlobStore, limits: ContextLimits) {
    this.store = store;
    this.blobs = blobs;
    this.limits = limits;
  }

  /** Creates the service over `${dataDir}/blobs`. */
  static async create(config: Config, store: Store): Promise<ContextService> {
    const blobs = new BlobStore(config.dataDir);
    await blobs.init();
    return new ContextService(store, blobs, {
      maxCompressedBytes: config.contextMaxBytes,
      maxTotalBytes: config.contextMaxExpandedBytes,
      maxFileBytes: Math.min(config.contextMaxExpandedBytes, 1024 ** 3),
      maxFiles: config.contextMaxFiles,
    });
  }

  /** Ingests an uploaded tar / tar.gz stream and records its manifest for the tenant. */
  async upload(tenantId: string, body: Readable | undefined, contentType: string | undefined): Promise<UploadedContext> {
    if (!body || typeof (body as Readable).pipe !== 'function') {
      throw new KilnError('unsupported_media_type', `Send the context as a tar or tar.gz body with Content-Type application/x-tar or application/gzip (got ${contentType ?? 'none'}).`, { phase: 'context' });
    }
    const ingested = await ingestArchive(body, { blobs: this.blobs, limits: this.limits });
    const id = newId('ctx');
    await this.store.insertContextManifest({
      id, tenant_id: tenantId, digest: ingested.digest, file_count: ingested.file_count,
      total_bytes: ingested.total_bytes, files: ingested.files, created_at: new Date().toISOString(),
    });
    return {
      context_manifest_id: id, context_digest: ingested.digest, file_count: ingested.file_count,
      total_bytes: ingested.total_bytes, ignored_count: ingested.ignored.length,
    };
  }

  /** Resolves a request's `build_context`. */
  async resolve(tenantId: string, spec: NonNullable<BuildRequest['build_context']>, opts: { persist: boolean }): Promise<{ problems: Problem[]; context?: ResolvedContext }> {
    const hasId = spec.context_manifest_id !== undefined;
    const hasFiles = spec.files !== undefined;
    if (hasId === hasFiles) {
      return { problems: [problem('invalid_context', 'build_context needs exactly one of context_manifest_id (an uploaded context) or files (inline files).', 'context', { field: 'build_context' })] };
    }
    if (hasId) {
      const context = await this.manifest(tenantId, spec.context_manifest_id!);
      if (!context) {
        return { problems: [problem('context_not_found', `build_context.context_manifest_id ${JSON.stringify(spec.context_manifest_id)} was not found; upload the context with POST /v1/templates/contexts first.`, 'context', { field: 'build_context.context_manifest_id' })] };
      }
      return { problems: [], context };
    }
    const inline = await ingestInlineFiles(spec.files, { blobs: this.blobs, persist: opts.persist });
    if (inline.problems.length || !inline.context) return { problems: inline.problems };
    const c = inline.context;
    let manifestId: string | null = null;
    if (opts.persist) {
      manifestId = newId('ctx');
      await this.store.insertContextManifest({
        id: manifestId, tenant_id: tenantId, digest: c.digest, file_count: c.file_count,
        total_bytes: c.total_bytes, files: c.files, created_at: new Date().toISOString(),
      });
    }
    return { problems: [], context: { manifest_id: manifestId, digest: c.digest, file_count: c.file_count, files: c.files } };
  }

  /** A stored manifest as a resolved context; manifests never change, so recent ones are kept in memory. */
  private async manifest(tenantId: string, id: string): Promise<ResolvedContext | undefined> {
    const key = `${tenantId}\n${id}`;
    const hit = this.manifests.get(key);
    if (hit) return hit;
    const m = await this.store.getContextManifest(tenantId, id);
    if (!m) return undefined;
    const context: ResolvedContext = { manifest_id: m.id, digest: m.digest, file_count: m.file_count, files: m.files };
    if (m.file_count <= MAX_CACHED_MANIFEST_FILES) this.manifests.set(key, context);
    return context;
  }

  /** Finds the tenant's uploaded context with this digest (the second platform's `filesHash`). */
  async resolveByDigest(tenantId: string, digest: string): Promise<{ problems: Problem[]; context?: ResolvedContext }> {
    const full = digest.startsWith('sha256:') ? digest : `sha256:${digest}`;
    const m = /^sha256:[0-9a-f]{64}$/.test(full) ? await this.store.findContextManifestByDigest(tenantId, full) : undefined;
    if (!m) {
      return { problems: [problem('context_not_found', `No uploaded build context has digest ${JSON.stringify(digest)}: upload the files with POST /v1/templates/contexts and use its context_digest as filesHash.`, 'context', { field: 'steps' })] };
    }
    return { problems: [], context: { manifest_id: m.id, digest: m.digest, file_count: m.file_count, files: m.files } };
  }

  /** Reads a context file as UTF-8 text, or undefined when it is absent, not a file, or too large. */
  async readText(context: ResolvedContext, path: string, maxBytes: number): Promise<string | undefined> {
    const clean = path.replace(/^(\.\/)+/, '').replace(/\/+/g, '/');
    const file = context.files.find((f) => f.path === clean && f.type === 'file');
    if (!file?.sha256 || file.size > maxBytes || !(await this.blobs.has(file.sha256))) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of this.blobs.open(file.sha256)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}
