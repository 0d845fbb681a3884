/**
 * Builds a template from an image alone (`oci_import`, or a builtin base): the `preparing`
 * phase imports the image into the build's root filesystem (`<buildDir>/rootfs`), logging each
 * layer; `finalize` merges the image's runtime defaults under what the request set.
 */
import path from 'node:path';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { RegistryClient } from '../../oci/registry/registry-client.ts';
import type { LayerLimits } from '../../oci/layers/apply-layer.ts';
import { importImage, type ImportEvent } from '../../oci/import/import-image.ts';
import { baseImageSource } from '../base-image-source.ts';
import { mergeDefaults } from '../merge-defaults.ts';
import type { BuildExecutor, ExecutionContext, ExecutionResult } from '../build-executor.ts';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The executor of builds that are an image import and nothing more. */
export class ImageImportExecutor implements BuildExecutor {
  readonly kind = 'image_import' as const;
  private readonly images: OciLayoutStore;
  private readonly client: RegistryClient;
  private readonly limits: LayerLimits;

  constructor(deps: { images: OciLayoutStore; client: RegistryClient; limits: LayerLimits }) {
    this.images = deps.images;
    this.client = deps.client;
    this.limits = deps.limits;
  }

  /** Imports the base image and records the template's runtime defaults. */
  async run(ctx: ExecutionContext): Promise<ExecutionResult> {
    const { build, log } = ctx;
    const base = String(build.definition.base_image ?? '');
    await log.enter('preparing', `Importing ${base}.`);
    const rootfs = path.join(ctx.buildDir, 'rootfs');
    const source = baseImageSource(base, build.requires_base_image_auth, ctx.credentials, { images: this.images, client: this.client });
    // Progress entries are written in order, and all of them before the import's own outcome.
    let progress = Promise.resolve();
    const result = await importImage(source, {
      store: this.images, rootfs, limits: this.limits, signal: ctx.signal,
      onEvent: (e) => { progress = progress.then(() => logImportEvent(ctx, e)).catch(() => {}); },
    }).finally(() => progress);
    await log.info(`Imported ${result.reference} (${result.platform}, ${result.manifest_digest}): ${result.layers.length} layers, ${mib(result.bytes_downloaded)} downloaded, ${mib(result.bytes_applied)} unpacked in ${(result.duration_ms / 1000).toFixed(2)} s.`);
    await log.enter('finalize', 'Recording the template\'s runtime defaults.');
    return { ...mergeDefaults(build, result.defaults), rootfs: { layers: [rootfs], baseManifestDigest: result.manifest_digest } };
  }
}

async function logImportEvent({ log, cache }: ExecutionContext, e: ImportEvent): Promise<void> {
  switch (e.kind) {
    case 'manifest': await log.info(`Manifest ${e.digest} for ${e.platform}: ${e.layers} layers.`); break;
    case 'layer_cached': await cache.record('layer', 'hit', e.digest, { message: `Layer ${e.digest} is already stored.` }); break;
    case 'layer_downloaded': await log.info(`Downloaded layer ${e.digest} (${mib(e.size)}) in ${e.ms} ms.`); break;
    case 'layer_applied': await log.info(`Applied layer ${e.digest}: ${e.entries} entries, ${mib(e.bytes)} in ${e.ms} ms.`); break;
  }
}
