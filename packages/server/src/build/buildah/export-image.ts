/**
 * Takes a built image out of buildah's storage: `buildah push` writes it as an OCI layout
 * (uncompressed layers) into the build directory, and Kiln's own layer applier unpacks that
 * layout into the build's root filesystem, with the same path jail and size limits as any
 * imported image. The layout is removed afterwards; the root filesystem stays.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import { LayoutSource } from '../../oci/import/layout-source.ts';
import { importImage, type ImportResult } from '../../oci/import/import-image.ts';
import type { LayerLimits } from '../../oci/layers/apply-layer.ts';
import type { BuildahHost } from './buildah-host.ts';

/** Where and how to export. */
export interface ExportOptions {
  /** The build's directory: the layout goes to `oci-out/`, the tree to `rootfs/`. */
  buildDir: string;
  limits: LayerLimits;
  /** Kiln's image store, which receives the image's blobs. */
  images: OciLayoutStore;
  signal: AbortSignal;
  env: Record<string, string>;
}

/** Pushes `imageId` into an OCI layout and unpacks it into `<buildDir>/rootfs`. */
export async function exportImage(host: BuildahHost, imageId: string, opts: ExportOptions): Promise<ImportResult & { rootfs: string }> {
  const outRoot = path.join(opts.buildDir, 'oci-out');
  const layout = new OciLayoutStore(outRoot);
  const rootfs = path.join(opts.buildDir, 'rootfs');
  await rm(outRoot, { recursive: true, force: true });
  await rm(rootfs, { recursive: true, force: true });
  await mkdir(outRoot, { mode: 0o700 });
  try {
    const pushed = await host.command(['push', '--quiet', '--disable-compression', '--signature-policy', host.policyPath(), imageId, `oci:${layout.root}:latest`], { env: opts.env, timeoutMs: 30 * 60_000 });
    if (pushed.code !== 0) {
      throw new KilnError('internal_error', `buildah could not export the built image: ${pushed.stderr.trim().split('\n').slice(-3).join(' ')}`, { phase: 'finalize' });
    }
    opts.signal.throwIfAborted();
    const result = await importImage(new LayoutSource(layout, 'latest'), { store: layout, rootfs, limits: opts.limits, signal: opts.signal });
    // The image's blobs move into Kiln's image store, so its OCI artifact reuses them as they are.
    for (const digest of [result.manifest_digest, result.config_digest, ...result.layers.map((l) => l.digest)]) {
      if (!(await opts.images.has(digest))) await rename(layout.blobPath(digest), opts.images.blobPath(digest));
    }
    return { ...result, rootfs };
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
}
