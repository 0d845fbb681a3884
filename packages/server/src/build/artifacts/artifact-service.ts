/**
 * The artifact side of the API: downloading a build's root filesystem (tar or ext4), promoting a
 * build (moving a tag to it), and the retention collector. Another tenant's build answers 404
 * like a missing one; a build without an available artifact answers 409 with the reason.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Config } from '../../config.ts';
import { KilnError, notFound } from '../../errors/errors.ts';
import { artifactState, buildView, type ArtifactReason } from '../../domain/build-view.ts';
import { tagError } from '../../domain/request/names.ts';
import { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { LayerLimits } from '../../oci/layers/apply-layer.ts';
import type { ArtifactRecord, BuildRecord, Store } from '../../store/store.ts';
import { collectExpiredArtifacts, startRetentionCollector } from './retention-collector.ts';
import { openRootfsTar } from './rootfs-tar.ts';
import { pointTags } from './tag-moves.ts';

/** Download formats. */
export type ArtifactFormat = 'tar' | 'ext4';

/** A download, ready to stream. */
export interface ArtifactDownload {
  stream: Readable;
  contentType: string;
  /** Bytes, when known up front (the ext4 image). */
  length?: number;
  filename: string;
}

/** What each reason tells the user. */
const REASON_TEXT: Record<ArtifactReason, string> = {
  build_not_ready: 'the build has not finished yet; wait until its status is ready',
  build_failed: 'the build failed, so it has no artifact; fix the cause and build again',
  build_cancelled: 'the build was cancelled, so it has no artifact; build again',
  artifact_expired: 'its artifact was untagged for longer than the retention period (KILN_ARTIFACT_RETENTION_HOURS) and has been deleted; build again',
  artifact_missing: 'its artifact is not stored on this server; build again',
};

/** Downloads, promotion and retention of build artifacts. */
export class ArtifactService {
  /** The image store, shared with the build worker (one writer of its index per process). */
  readonly images: OciLayoutStore;
  private readonly store: Store;
  private readonly dataDir: string;
  private readonly retentionMs: number;
  private readonly limits: LayerLimits;
  /** Clean-ups of tar downloads (an overlay unmount, a scratch tree) not finished yet. */
  private readonly cleanups = new Set<Promise<void>>();

  constructor(deps: { store: Store; images: OciLayoutStore; dataDir: string; retentionMs: number; limits: LayerLimits }) {
    this.store = deps.store;
    this.images = deps.images;
    this.dataDir = deps.dataDir;
    this.retentionMs = deps.retentionMs;
    this.limits = deps.limits;
  }

  /** Waits for the clean-up of every tar download (call after the HTTP server has closed its connections). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.cleanups]);
  }

  /** The service for a configuration. */
  static async create(config: Config, store: Store): Promise<ArtifactService> {
    const images = new OciLayoutStore(config.dataDir);
    await images.init();
    return new ArtifactService({
      store, images, dataDir: config.dataDir, retentionMs: config.artifactRetentionHours * 3600_000,
      limits: { maxLayerBytes: config.layerMaxBytes, maxImageBytes: config.imageMaxBytes },
    });
  }

  /** A tenant's build and its artifact; 404 for a foreign or unknown build. */
  private async load(tenantId: string, buildId: string): Promise<{ build: BuildRecord; artifact: ArtifactRecord | undefined }> {
    const build = await this.store.getBuild(tenantId, buildId);
    // A build of a deleted template reads as absent.
    if (!build || !(await this.store.getTemplate(tenantId, build.template_id))) throw notFound('Build', buildId);
    const artifact = build.artifact_id ? await this.store.getArtifact(tenantId, build.artifact_id) : undefined;
    return { build, artifact };
  }

  /** The build's root filesystem as a tar stream or its ext4 image; 409 `artifact_unavailable` with the reason when there is none. */
  async download(tenantId: string, buildId: string, format: ArtifactFormat): Promise<ArtifactDownload> {
    const { build, artifact } = await this.load(tenantId, buildId);
    const state = artifactState(build, artifact);
    if (!state.available || !artifact) throw unavailable(build.id, state.reason ?? 'artifact_missing');
    if (format === 'ext4') {
      const file = path.join(this.dataDir, artifact.ext4_path);
      const size = await stat(file).then((s) => s.size, () => undefined);
      if (size === undefined) {
        await this.store.updateArtifact(tenantId, artifact.id, { status: 'missing' }, ['available']);
        throw unavailable(build.id, 'artifact_missing');
      }
      return { stream: createReadStream(file), contentType: 'application/octet-stream', length: size, filename: `${build.id}.ext4` };
    }
    const stream = await openRootfsTar(artifact, {
      dataDir: this.dataDir, images: this.images, limits: this.limits,
      track: (done) => { this.cleanups.add(done); void done.finally(() => this.cleanups.delete(done)); },
    });
    return { stream, contentType: 'application/x-tar', filename: `${build.id}.tar` };
  }

  /** Moves `body.tag` of the build's template to this build; 409 `build_not_promotable` with the reason when it cannot be. */
  async promote(tenantId: string, buildId: string, body: unknown): Promise<{ build: Record<string, unknown> }> {
    const tag = (body as { tag?: unknown } | null | undefined)?.tag;
    if (typeof tag !== 'string') throw new KilnError('invalid_tags', 'Give the tag to move as {"tag": "<tag>"}.', { phase: 'request' });
    const bad = tagError(tag);
    if (bad) throw new KilnError('invalid_tags', bad, { phase: 'request' });
    const now = new Date().toISOString();
    type Outcome = { build: BuildRecord; refused?: ArtifactReason } | undefined;
    const outcome = await this.store.transaction(async (tx): Promise<Outcome> => {
      const build = await tx.getBuild(tenantId, buildId);
      if (!build || !(await tx.getTemplate(tenantId, build.template_id))) return undefined;
      const artifact = build.artifact_id ? await tx.getArtifact(tenantId, build.artifact_id) : undefined;
      const state = artifactState(build, artifact);
      if (!state.available) return { refused: state.reason ?? 'artifact_missing', build };
      return { build: await pointTags(tx, build, [tag], { now, retentionMs: this.retentionMs }) };
    });
    if (!outcome) throw notFound('Build', buildId);
    if (outcome.refused) {
      throw new KilnError('build_not_promotable', `Build ${outcome.build.id} cannot be promoted to tag ${JSON.stringify(tag)} (reason: ${outcome.refused}): ${REASON_TEXT[outcome.refused]}.`);
    }
    const template = await this.store.getTemplate(tenantId, outcome.build.template_id);
    if (!template) throw notFound('Build', buildId);
    const artifact = outcome.build.artifact_id ? await this.store.getArtifact(tenantId, outcome.build.artifact_id) : undefined;
    return { build: buildView(outcome.build, template, artifact) };
  }

  /** Collects expired untagged artifacts now (see retention-collector.ts); returns their ids. */
  collect(now?: Date): Promise<string[]> {
    return collectExpiredArtifacts({ store: this.store, images: this.images, dataDir: this.dataDir }, now);
  }

  /** Starts the periodic collector of this server process. */
  startCollector(onError?: (err: unknown) => void): { stop(): Promise<void> } {
    return startRetentionCollector({ store: this.store, images: this.images, dataDir: this.dataDir }, { onError });
  }
}

/** The 409 for a build without an available artifact. */
function unavailable(buildId: string, reason: ArtifactReason): KilnError {
  return new KilnError('artifact_unavailable', `Build ${buildId} has no artifact to download (reason: ${reason}): ${REASON_TEXT[reason]}.`);
}
