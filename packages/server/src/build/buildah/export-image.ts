/**
 * Takes a built image out of buildah's storage: `buildah push` writes it as an OCI layout
 * (uncompressed layers) into the build directory, and Kiln's own layer applier unpacks it with
 * the same path jail and size limits as any imported image. When the image extends a base Kiln
 * has already unpacked (its first layers are that base's, by diff_id), only the layers above are
 * applied, through an overlay over the base, into an upper directory: the root filesystem is then
 * the base's tree plus that layer. Otherwise the whole image is unpacked into `rootfs/`. The
 * image's blobs move into Kiln's image store; the layout is removed.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import { LayoutSource } from '../../oci/import/layout-source.ts';
import { importImage, resolveManifest } from '../../oci/import/import-image.ts';
import { applyLayer, type LayerLimits } from '../../oci/layers/apply-layer.ts';
import { layerCompression } from '../../oci/layers/layer-media.ts';
import { defaultsFromImageConfig, type ImageConfigDefaults } from '../../oci/image-config/config-defaults.ts';
import type { ImageConfig, ImageManifest } from '../../oci/oci-types.ts';
import type { BaseRootfs } from '../native/base-rootfs-cache.ts';
import { mountOverlay, unmount } from '../native/overlay-mount.ts';
import type { BuildahHost } from './buildah-host.ts';

/** Where and how to export. */
export interface ExportOptions {
  /** The build's directory: the layout goes to `oci-out/`, the tree to `rootfs/` (or `rootfs-upper/`). */
  buildDir: string;
  limits: LayerLimits;
  /** Kiln's image store, which receives the image's blobs. */
  images: OciLayoutStore;
  /** The unpacked base the image may extend. */
  base?: BaseRootfs;
  signal: AbortSignal;
  env: Record<string, string>;
}

/** What the export left. */
export interface ExportedImage {
  manifest_digest: string;
  defaults: ImageConfigDefaults;
  /** The root filesystem, bottom first (one complete tree, or the base's tree and an upper layer). */
  layers: string[];
  /** Image layers applied here (those of the base are not). */
  layers_applied: number;
  bytes_applied: number;
  duration_ms: number;
}

/** Pushes `imageId` into an OCI layout and unpacks what Kiln does not already have. */
export async function exportImage(host: BuildahHost, imageId: string, opts: ExportOptions): Promise<ExportedImage> {
  const started = performance.now();
  const outRoot = path.join(opts.buildDir, 'oci-out');
  const layout = new OciLayoutStore(outRoot);
  await rm(outRoot, { recursive: true, force: true });
  await rm(path.join(opts.buildDir, 'rootfs'), { recursive: true, force: true });
  await rm(path.join(opts.buildDir, 'rootfs-upper'), { recursive: true, force: true });
  await mkdir(outRoot, { mode: 0o700 });
  try {
    const pushed = await host.command(['push', '--quiet', '--disable-compression', '--signature-policy', host.policyPath(), imageId, `oci:${layout.root}:latest`], { env: opts.env, timeoutMs: 30 * 60_000 });
    if (pushed.code !== 0) {
      throw new KilnError('internal_error', `buildah could not export the built image: ${pushed.stderr.trim().split('\n').slice(-3).join(' ')}`, { phase: 'finalize' });
    }
    opts.signal.throwIfAborted();
    const source = new LayoutSource(layout, 'latest');
    const { manifest, digest } = await resolveManifest(source);
    const config = JSON.parse((await source.blobBytes(manifest.config)).toString('utf8')) as ImageConfig;
    const over = opts.base ? await unpackOverBase(layout, manifest, config, opts.base, opts) : undefined;
    let out: Omit<ExportedImage, 'duration_ms'>;
    if (over) {
      out = { manifest_digest: digest, defaults: defaultsFromImageConfig(config), ...over };
    } else {
      const rootfs = path.join(opts.buildDir, 'rootfs');
      const result = await importImage(source, { store: layout, rootfs, limits: opts.limits, signal: opts.signal });
      out = { manifest_digest: digest, defaults: result.defaults, layers: [rootfs], layers_applied: result.layers.length, bytes_applied: result.bytes_applied };
    }
    // The image's blobs move into Kiln's image store, so its OCI artifact reuses them as they are.
    for (const d of [digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
      if (!(await opts.images.has(d))) await rename(layout.blobPath(d), opts.images.blobPath(d));
    }
    return { ...out, duration_ms: Math.round(performance.now() - started) };
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
}

/**
 * Applies the layers of `manifest` above those of `base` (when the image's diff_ids start with the
 * base's) through an overlay of the base into `<buildDir>/rootfs-upper`; undefined when the image
 * does not extend the base.
 */
async function unpackOverBase(layout: OciLayoutStore, manifest: ImageManifest, config: ImageConfig, base: BaseRootfs, opts: ExportOptions): Promise<Pick<ExportedImage, 'layers' | 'layers_applied' | 'bytes_applied'> | undefined> {
  const baseIds = base.image.config.rootfs?.diff_ids ?? [];
  const ids = config.rootfs?.diff_ids ?? [];
  if (baseIds.length === 0 || ids.length !== manifest.layers.length || !baseIds.every((d, i) => ids[i] === d)) return undefined;
  const upper = path.join(opts.buildDir, 'rootfs-upper');
  const work = path.join(opts.buildDir, 'rootfs-work');
  const mnt = path.join(opts.buildDir, 'rootfs-mnt');
  await mountOverlay(mnt, [base.dir], { upper, work });
  let bytes = 0;
  try {
    const budget = { remainingImageBytes: opts.limits.maxImageBytes };
    for (const layer of manifest.layers.slice(baseIds.length)) {
      opts.signal.throwIfAborted();
      const stats = await applyLayer(layout.open(layer.digest), { rootfs: mnt, compression: layerCompression(layer.mediaType), limits: opts.limits, budget, layerDigest: layer.digest });
      bytes += stats.bytes;
    }
  } finally {
    await unmount(mnt);
    await rm(work, { recursive: true, force: true });
    await rm(mnt, { recursive: true, force: true });
  }
  return { layers: ids.length > baseIds.length ? [base.dir, upper] : [base.dir], layers_applied: ids.length - baseIds.length, bytes_applied: bytes };
}
