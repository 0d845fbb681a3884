/**
 * Imports an image into a root filesystem directory: resolves the manifest (selecting the
 * host's platform from an index), stores the config, downloads missing layers in parallel into
 * the layout store, and applies them in order as each arrives.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { KilnError } from '../../errors/errors.ts';
import { MEDIA_TYPES, type Descriptor, type ImageConfig, type ImageManifest, type Platform } from '../oci-types.ts';
import type { OciLayoutStore } from '../image-store/oci-layout-store.ts';
import { hostPlatform, selectPlatform } from '../platform-select.ts';
import { applyLayer, type LayerLimits } from '../layers/apply-layer.ts';
import { layerCompression } from '../layers/layer-media.ts';
import { resolveUser } from '../image-config/resolve-user.ts';
import { defaultsFromImageConfig } from '../image-config/config-defaults.ts';
import { isIndex, type FetchedManifest, type ImageSource } from './image-source.ts';

/** Progress of an import, for logs and the CLI. */
export type ImportEvent =
  | { kind: 'manifest'; digest: string; platform: string; layers: number }
  | { kind: 'layer_cached' | 'layer_downloaded'; digest: string; size: number; ms: number }
  | { kind: 'layer_applied'; digest: string; bytes: number; entries: number; ms: number };

/** What an import needs. */
export interface ImportOptions {
  store: OciLayoutStore;
  /** Directory to unpack into; created if missing, must be empty. */
  rootfs: string;
  limits: LayerLimits;
  /** The platform to select from an index (default: this host's). */
  platform?: { architecture: string; variant?: string };
  /** Stops the import between layers (a cancelled build). */
  signal?: AbortSignal;
  /** Layers downloaded at once (default 4). */
  concurrency?: number;
  onEvent?: (e: ImportEvent) => void;
}

/** One imported layer. */
export interface ImportedLayer {
  digest: string;
  mediaType: string;
  size: number;
  /** Whether it came from the store rather than the registry. */
  cached: boolean;
  /** Bytes it expanded to. */
  bytes: number;
}

/** What an import did and found. */
export interface ImportResult {
  reference: string;
  manifest_digest: string;
  config_digest: string;
  platform: string;
  layers: ImportedLayer[];
  bytes_downloaded: number;
  bytes_applied: number;
  duration_ms: number;
  config: ImageConfig;
  defaults: ReturnType<typeof defaultsFromImageConfig>;
  user: Awaited<ReturnType<typeof resolveUser>>;
}

const SCHEMA2_MANIFESTS = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);

/** Imports the image `source` names into `opts.rootfs`. */
export async function importImage(source: ImageSource, opts: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  await prepareRootfs(opts.rootfs);
  const host = opts.platform ?? hostPlatform();
  const { manifest, digest, platform } = await resolveManifest(source, host);
  opts.onEvent?.({ kind: 'manifest', digest, platform, layers: manifest.layers.length });

  const configBytes = await source.blobBytes(manifest.config);
  await opts.store.put(manifest.config.digest, configBytes);
  const config = parseConfig(configBytes, source.name);
  for (const layer of manifest.layers) layerCompression(layer.mediaType);

  // Downloads run ahead (bounded); layers are applied strictly in order.
  const limit = opts.concurrency ?? 4;
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (running >= limit) await new Promise<void>((r) => waiting.push(r));
    running++;
  };
  const release = () => { running--; waiting.shift()?.(); };
  const downloads = manifest.layers.map(async (layer) => {
    if (await opts.store.has(layer.digest)) {
      opts.onEvent?.({ kind: 'layer_cached', digest: layer.digest, size: layer.size, ms: 0 });
      return true;
    }
    await slot();
    const t = performance.now();
    try {
      await source.fetchBlob(layer, opts.store.blobPath(layer.digest));
    } finally {
      release();
    }
    opts.onEvent?.({ kind: 'layer_downloaded', digest: layer.digest, size: layer.size, ms: Math.round(performance.now() - t) });
    return false;
  });
  downloads.forEach((d) => d.catch(() => {}));

  const budget = { remainingImageBytes: opts.limits.maxImageBytes };
  const layers: ImportedLayer[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    const cached = await downloads[i];
    opts.signal?.throwIfAborted();
    const t = performance.now();
    const input = opts.store.open(layer.digest);
    const stopInput = () => input.destroy(new KilnError('build_cancelled', 'The import was stopped.', { phase: 'preparing' }));
    opts.signal?.addEventListener('abort', stopInput, { once: true });
    let stats: Awaited<ReturnType<typeof applyLayer>>;
    try {
      stats = await applyLayer(input, {
        rootfs: opts.rootfs, compression: layerCompression(layer.mediaType), limits: opts.limits, budget, layerDigest: layer.digest,
      });
    } finally {
      opts.signal?.removeEventListener('abort', stopInput);
    }
    opts.onEvent?.({ kind: 'layer_applied', digest: layer.digest, bytes: stats.bytes, entries: stats.entries, ms: Math.round(performance.now() - t) });
    layers.push({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size, cached, bytes: stats.bytes });
  }

  const user = await resolveUser(opts.rootfs, config.config?.User ?? '');
  return {
    reference: source.name,
    manifest_digest: digest,
    config_digest: manifest.config.digest,
    platform,
    layers,
    bytes_downloaded: layers.filter((l) => !l.cached).reduce((n, l) => n + l.size, 0),
    bytes_applied: layers.reduce((n, l) => n + l.bytes, 0),
    duration_ms: Math.round(performance.now() - started),
    config,
    defaults: defaultsFromImageConfig(config),
    user,
  };
}

/** The image manifest `source` names for `host` (through its index when it has one), with its digest and platform. */
export async function resolveManifest(source: ImageSource, host: { architecture: string; variant?: string } = hostPlatform()): Promise<{ manifest: ImageManifest; digest: string; platform: string }> {
  let fetched: FetchedManifest = await source.manifest();
  let platform: Platform | undefined;
  if (isIndex(fetched)) {
    const chosen: Descriptor = selectPlatform(fetched.manifest, host);
    platform = chosen.platform;
    fetched = await source.manifestByDigest(chosen.digest);
    if (isIndex(fetched)) throw new KilnError('unsupported_manifest', `${source.name}: an index entry points at another index; Kiln imports one level of index.`, { phase: 'preparing' });
  }
  const m = fetched.manifest as ImageManifest;
  const mediaType = m.mediaType ?? fetched.mediaType;
  if (!SCHEMA2_MANIFESTS.has(mediaType) && !(mediaType === '' && m.config && Array.isArray(m.layers))) {
    throw new KilnError('unsupported_manifest', `${source.name}: manifest media type ${JSON.stringify(mediaType)} is not an OCI or Docker schema 2 image manifest.`, { phase: 'preparing' });
  }
  const p = platform ?? { architecture: host.architecture, os: 'linux', variant: host.variant };
  return { manifest: m, digest: fetched.digest, platform: [p.os, p.architecture, p.variant].filter(Boolean).join('/') };
}

function parseConfig(bytes: Buffer, name: string): ImageConfig {
  try {
    const config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
    if (config && typeof config === 'object') return config;
  } catch { /* reported below */ }
  throw new KilnError('unsupported_manifest', `${name}: the image config is not a JSON object.`, { phase: 'preparing' });
}

async function prepareRootfs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if ((await readdir(dir)).length > 0) {
    throw new KilnError('invalid_request', `The output directory ${dir} is not empty; give a new or empty directory.`, { phase: 'preparing' });
  }
}
