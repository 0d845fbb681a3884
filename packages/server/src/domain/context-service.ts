/**
 * Build contexts: uploads are ingested into the content-addressed blob store and recorded as
 * a manifest; a build request's `build_context` names a manifest or carries inline files.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import { KilnError, problem, type Problem } from '../errors/errors.ts';
import { BlobStore } from '../context/blob-store.ts';
import { ingestArchive } from '../context/ingest-archive.ts';
import { BUNDLE_CONTENT_TYPE, ingestBundle, type IngestedBundle } from '../context/ingest-bundle.ts';
import type { IngestedContext } from '../context/ingested-context.ts';
import { TenantBlobs } from '../context/tenant-blobs.ts';
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
  /** Bundle uploads: distinct contents the upload carried, and those taken from the caller's earlier uploads. */
  received_blobs?: number;
  reused_blobs?: number;
}

/** Most digests one `blobs/missing` question may ask about. */
export const MAX_MISSING_QUERY = 100_000;

/** Most malformed digests one refusal lists. */
const MAX_LISTED_PROBLEMS = 20;

/** Whether a Content-Type header names a context bundle. */
export function isBundleType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === BUNDLE_CONTENT_TYPE;
}

/** Uploads, resolves and reads build contexts. */
export class ContextService implements ContextResolver {
  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly owners: TenantBlobs;
  private readonly limits: ContextLimits;
  private readonly manifests = new LruCache<string, ResolvedContext>(64);

  private constructor(store: Store, blobs: BlobStore, limits: ContextLimits) {
    this.store = store;
    this.blobs = blobs;
    this.owners = new TenantBlobs(blobs);
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

  /**
   * Ingests an uploaded tar / tar.gz stream, or a context bundle (manifest plus the blobs the
   * tenant has not uploaded before), and records its manifest for the tenant.
   */
  async upload(tenantId: string, body: Readable | undefined, contentType: string | undefined): Promise<UploadedContext> {
    if (!body || typeof (body as Readable).pipe !== 'function') {
      throw new KilnError('unsupported_media_type', `Send the context as a tar or tar.gz body with Content-Type application/x-tar or application/gzip, or a bundle as ${BUNDLE_CONTENT_TYPE} (got ${contentType ?? 'none'}).`, { phase: 'context' });
    }
    const bundle = isBundleType(contentType);
    const ingested: IngestedContext & Partial<IngestedBundle> = bundle
      ? await ingestBundle(body, { blobs: this.blobs, limits: this.limits, owned: (sha) => this.owners.has(tenantId, sha) })
      : await ingestArchive(body, { blobs: this.blobs, limits: this.limits });
    await this.owners.record(tenantId, ingested.files.flatMap((f) => (f.sha256 ? [f.sha256] : [])));
    const id = newId('ctx');
    await this.store.insertContextManifest({
      id, tenant_id: tenantId, digest: ingested.digest, file_count: ingested.file_count,
      total_bytes: ingested.total_bytes, files: ingested.files, created_at: new Date().toISOString(),
    });
    const answer: UploadedContext = {
      context_manifest_id: id, context_digest: ingested.digest, file_count: ingested.file_count,
      total_bytes: ingested.total_bytes, ignored_count: ingested.ignored.length,
    };
    if (bundle) Object.assign(answer, { received_blobs: ingested.received_blobs, reused_blobs: ingested.reused_blobs });
    return answer;
  }

  /**
   * Which of these content digests the tenant must upload: every one it has not uploaded itself
   * (blobs other tenants stored count as missing, so nothing about them is revealed).
   */
  async missingBlobs(tenantId: string, body: unknown): Promise<{ missing: string[] }> {
    const list = (body as { sha256?: unknown } | undefined)?.sha256;
    const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
    const problems: Problem[] = [];
    if (!Array.isArray(list) || keys.some((k) => k !== 'sha256')) {
      problems.push(problem('invalid_request', 'Send {"sha256": ["<64 hex digits>", ...]}: the content digests to ask about.', 'request', { field: 'sha256' }));
    } else if (list.length > MAX_MISSING_QUERY) {
      problems.push(problem('invalid_request', `sha256 lists ${list.length} digests; ask about at most ${MAX_MISSING_QUERY} at once.`, 'request', { field: 'sha256' }));
    } else {
      for (let i = 0; i < list.length && problems.length < MAX_LISTED_PROBLEMS; i++) {
        const d: unknown = list[i];
        if (typeof d !== 'string' || !/^[0-9a-f]{64}$/.test(d)) problems.push(problem('invalid_request', `sha256[${i}] must be a sha256 digest as 64 lowercase hex digits.`, 'request', { field: `sha256[${i}]` }));
      }
    }
    if (problems.length) throw new KilnError('invalid_request', problems[0].message, { phase: 'request', problems });
    return { missing: await this.owners.missing(tenantId, list as string[]) };
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
      await this.owners.record(tenantId, c.files.flatMap((f) => (f.sha256 ? [f.sha256] : [])));
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
