/**
 * The worker's ArtifactWriter: in the `cache` phase it reuses an identical earlier build's artifact
 * (the whole-build cache); in `finalize` it writes the ext4 image (`<dataDir>/artifacts/<id>/rootfs.ext4`)
 * and the OCI image side by side and records the artifact; when the build turns ready it points
 * the build's tags at it.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../domain/ids.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import { MEDIA_TYPES } from '../../oci/oci-types.ts';
import type { BuildPatch, BuildRecord, Store } from '../../store/store.ts';
import type { ExecutionContext, ExecutionResult } from '../build-executor.ts';
import { FinalArtifactCache, type RegistryDigestResolver } from '../cache/final-artifact-cache.ts';
import { artifactDir, buildImageRef, EXT4_FILE } from './artifact-paths.ts';
import type { ArtifactWriter, ReusedBuild } from './artifact-writer.ts';
import { writeExt4Image } from './ext4-image.ts';
import { writeOciImage } from './oci-image.ts';
import { pointTags } from './tag-moves.ts';

/** What the writer needs. */
export interface FinalizeArtifactWriterDeps {
  store: Store;
  images: OciLayoutStore;
  dataDir: string;
  /** How long an untagged artifact is kept (KILN_ARTIFACT_RETENTION_HOURS). */
  retentionMs: number;
  /** Resolves registry bases to digests for the whole-build cache key, when supplied. */
  registryDigest?: RegistryDigestResolver;
}

const DEFAULT_DISK_MB = 10240;
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Writes and reuses build artifacts. */
export class FinalizeArtifactWriter implements ArtifactWriter {
  private readonly deps: FinalizeArtifactWriterDeps;
  private readonly cache: FinalArtifactCache;

  constructor(deps: FinalizeArtifactWriterDeps) {
    this.deps = deps;
    this.cache = new FinalArtifactCache(deps);
  }

  async reuse(ctx: ExecutionContext): Promise<ReusedBuild | undefined> {
    await ctx.log.enter('cache', 'Looking for an identical earlier build (the whole-build cache).');
    const found = await this.cache.lookup(ctx);
    if (!found) return undefined;
    const manifest = { mediaType: MEDIA_TYPES.ociManifest, digest: found.artifact.oci_manifest_digest, size: 0 };
    if (await this.deps.images.has(manifest.digest)) {
      manifest.size = (await this.deps.images.read(manifest.digest)).length;
      await this.deps.images.tag(buildImageRef(ctx.build.id), manifest);
    }
    await ctx.log.enter('finalize', `Reusing artifact ${found.artifact.id} (ext4 image and OCI image ${found.artifact.oci_manifest_digest}) of build ${found.source.id}.`);
    return {
      result: { runtime_defaults: found.source.runtime_defaults, oci_metadata: found.source.oci_metadata, rootfs: { layers: [] } },
      patch: { artifact_id: found.artifact.id },
    };
  }

  async write(ctx: ExecutionContext, result: ExecutionResult): Promise<BuildPatch> {
    const { build, log } = ctx;
    const diskMb = typeof build.build_config.disk_mb === 'number' ? build.build_config.disk_mb : DEFAULT_DISK_MB;
    await log.enter('finalize', `Writing the root filesystem as an ext4 image of ${diskMb} MiB and as an OCI image.`);
    const id = newId('art');
    const dir = artifactDir(this.deps.dataDir, id);
    const file = path.join(dir, EXT4_FILE);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    try {
      // The two run side by side; the first failure stops the other, and both have ended (the ext4
      // image reads through a mount that must be gone) before this goes on.
      const failFast = new AbortController();
      const both = AbortSignal.any([ctx.signal, failFast.signal]);
      const watch = <T>(p: Promise<T>) => p.catch((err: unknown) => { failFast.abort(err); throw err; });
      const [ext4Run, ociRun] = await Promise.allSettled([
        watch(writeExt4Image({ layers: result.rootfs.layers, file, diskMb, mountpoint: path.join(ctx.buildDir, 'finalize-mnt'), signal: both })),
        watch(writeOciImage({ images: this.deps.images, rootfs: result.rootfs, build, runtime_defaults: result.runtime_defaults, oci_metadata: result.oci_metadata, signal: both })),
      ]);
      if (ext4Run.status === 'rejected') throw ext4Run.reason;
      if (ociRun.status === 'rejected') throw ociRun.reason;
      const [ext4, oci] = [ext4Run.value, ociRun.value];
      ctx.signal.throwIfAborted();
      const used = ext4.used ? `; it uses ${mib(ext4.used.bytes)} (with ext4's own metadata) and ${ext4.used.inodes} inodes` : '';
      await log.info(`Wrote the ext4 image of ${diskMb} MiB in ${(ext4.ms / 1000).toFixed(2)} s${used}.`);
      await log.info(`Wrote the OCI image ${oci.manifest.digest} (${oci.baseReused ? 'the base image\'s layers and ' : ''}${oci.layersWritten} new layer${oci.layersWritten === 1 ? '' : 's'}), named ${buildImageRef(build.id)}.`);
      const key = await this.cache.key(build);
      const now = new Date();
      await this.deps.store.insertArtifact({
        id, tenant_id: build.tenant_id, build_id: build.id, cache_key: key, ext4_path: path.relative(this.deps.dataDir, file),
        ext4_bytes: ext4.bytes, oci_manifest_digest: oci.manifest.digest, layers: result.rootfs.layers, status: 'available',
        created_at: now.toISOString(), retention_expires_at: new Date(now.getTime() + this.deps.retentionMs).toISOString(),
      });
      if (key !== null) await ctx.cache.record('final_artifact', 'stored', key, { message: `Whole-build cache stored (${key}): artifact ${id}.` });
      return { artifact_id: id };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async publish(tx: Store, build: BuildRecord): Promise<void> {
    await pointTags(tx, build, build.tags, { now: new Date().toISOString(), retentionMs: this.deps.retentionMs });
  }
}
