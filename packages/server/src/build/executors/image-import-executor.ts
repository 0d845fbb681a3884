/**
 * Builds a template from an image alone (`oci_import`, or a builtin base): the `preparing`
 * phase imports the image into the build's root filesystem (`<buildDir>/rootfs`), logging each
 * layer; `finalize` merges the image's runtime defaults under what the request set.
 */
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import type { RegistryCredentials } from '../../domain/schemas/common-schemas.ts';
import { BUILTIN_PREFIX } from '../../domain/builtin-tenant.ts';
import { normalizeRegistry } from '../../oci/image-reference.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { RegistryClient } from '../../oci/registry/registry-client.ts';
import type { LayerLimits } from '../../oci/layers/apply-layer.ts';
import { imageSourceFor } from '../../oci/import/image-source-for.ts';
import { importImage, type ImportEvent, type ImportResult } from '../../oci/import/import-image.ts';
import type { ImageSource } from '../../oci/import/image-source.ts';
import type { BuildCredentials } from '../build-credentials.ts';
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
    const source = this.sourceFor(base, build.requires_base_image_auth, ctx.credentials);
    // Progress entries are written in order, and all of them before the import's own outcome.
    let progress = Promise.resolve();
    const result = await importImage(source, {
      store: this.images, rootfs, limits: this.limits, signal: ctx.signal,
      onEvent: (e) => { progress = progress.then(() => logImportEvent(ctx, e)).catch(() => {}); },
    }).finally(() => progress);
    await log.info(`Imported ${result.reference} (${result.platform}, ${result.manifest_digest}): ${result.layers.length} layers, ${mib(result.bytes_downloaded)} downloaded, ${mib(result.bytes_applied)} unpacked in ${(result.duration_ms / 1000).toFixed(2)} s.`);
    await log.enter('finalize', 'Recording the template\'s runtime defaults.');
    return { ...mergeDefaults(build.runtime_defaults, result), rootfs: { layers: [rootfs], baseManifestDigest: result.manifest_digest } };
  }

  private sourceFor(base: string, requiresAuth: boolean, creds: BuildCredentials | undefined): ImageSource {
    if (requiresAuth && !creds && !base.startsWith(BUILTIN_PREFIX)) {
      throw new KilnError('credentials_required', `This build pulls ${base} with credentials, and this server no longer holds them (it restarted since the build was queued). Retry the build with base_image_auth or registry_auth.`, { phase: 'preparing' });
    }
    return imageSourceFor(base, { images: this.images, client: this.client, credentials: (registry) => credentialsFor(registry, creds) });
  }
}

/** The credentials for a registry: base_image_auth, or the registry_auth entry naming that host. */
function credentialsFor(registry: string, creds: BuildCredentials | undefined): RegistryCredentials | undefined {
  if (!creds) return undefined;
  if (creds.base_image_auth) return creds.base_image_auth;
  return creds.registry_auth?.find((r) => normalizeRegistry(r.registry) === registry)?.auth;
}

/** The request's own defaults win; the image fills in the rest. Env values stay out: only keys are kept. */
function mergeDefaults(requested: Record<string, unknown>, imported: ImportResult): Omit<ExecutionResult, 'rootfs'> {
  const d = imported.defaults;
  const keys = new Set<string>([...d.env.map(([k]: [string, string]) => k), ...((requested.default_env_keys as string[] | undefined) ?? [])]);
  return {
    runtime_defaults: {
      default_env_keys: [...keys],
      start_cmd: requested.start_cmd ?? d.start_cmd,
      default_user: requested.default_user ?? d.user,
      default_workdir: requested.default_workdir ?? d.workdir,
      readiness: requested.readiness ?? null,
    },
    oci_metadata: { ...d.oci_metadata },
  };
}

async function logImportEvent({ log, cache }: ExecutionContext, e: ImportEvent): Promise<void> {
  switch (e.kind) {
    case 'manifest': await log.info(`Manifest ${e.digest} for ${e.platform}: ${e.layers} layers.`); break;
    case 'layer_cached': await cache.record('layer', 'hit', e.digest, { message: `Layer ${e.digest} is already stored.` }); break;
    case 'layer_downloaded': await log.info(`Downloaded layer ${e.digest} (${mib(e.size)}) in ${e.ms} ms.`); break;
    case 'layer_applied': await log.info(`Applied layer ${e.digest}: ${e.entries} entries, ${mib(e.bytes)} in ${e.ms} ms.`); break;
  }
}
