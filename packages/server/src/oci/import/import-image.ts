/**
 * Imports an image into a root filesystem directory: resolves the manifest (selecting the
 * host's platform from an index), stores the config, and applies the layers in order, each one
 * missing from the layout store while it downloads into the store (later layers download in the
 * background meanwhile). A failed import leaves nothing in the root filesystem.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { MEDIA_TYPES, type Descriptor, type ImageConfig, type ImageManifest, type Platform } from '../oci-types.ts';
import type { OciLayoutStore } from '../image-store/oci-layout-store.ts';
import { hostPlatform, selectPlatform } from '../platform-select.ts';
import { applyLayer, type ApplyLayerOptions, type ApplyStats, type LayerLimits } from '../layers/apply-layer.ts';
import { layerCompression } from '../layers/layer-media.ts';
import { warmWriteThreads, type WriteMode } from '../layers/write-batches.ts';
import { resolveUser } from '../image-config/resolve-user.ts';
import { defaultsFromImageConfig } from '../image-config/config-defaults.ts';
import { isIndex, type FetchedManifest, type ImageSource, type StreamedBlob } from './image-source.ts';

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
  /** Where small files and symlinks are written (see ApplyLayerOptions.writes; default a worker thread). */
  writes?: WriteMode;
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

/** Imports the image `source` names into `opts.rootfs`; when it fails, nothing it wrote is left there. */
export async function importImage(source: ImageSource, opts: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  if ((opts.writes ?? 'worker') === 'worker') warmWriteThreads();
  const created = await prepareRootfs(opts.rootfs);
  try {
    return await importInto(source, opts, started);
  } catch (err) {
    await discardRootfs(opts.rootfs, created);
    throw err;
  }
}

async function importInto(source: ImageSource, opts: ImportOptions, started: number): Promise<ImportResult> {
  const host = opts.platform ?? hostPlatform();
  const { manifest, digest, platform } = await resolveManifest(source, host);
  opts.onEvent?.({ kind: 'manifest', digest, platform, layers: manifest.layers.length });

  const configBytes = await source.blobBytes(manifest.config);
  await opts.store.put(manifest.config.digest, configBytes);
  const config = parseConfig(configBytes, source.name);
  for (const layer of manifest.layers) layerCompression(layer.mediaType);

  const layers: ImportedLayer[] = [];
  await applyLayers(source, manifest.layers, opts, layers);

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

/** Creates the root filesystem directory, or checks that it is empty; true when it was created. */
async function prepareRootfs(dir: string): Promise<boolean> {
  const made = await mkdir(dir, { recursive: true, mode: 0o755 });
  if ((await readdir(dir)).length > 0) {
    throw new KilnError('invalid_request', `The output directory ${dir} is not empty; give a new or empty directory.`, { phase: 'preparing' });
  }
  return made !== undefined;
}

/** Removes what a failed import wrote: the directory when the import created it, else its contents. */
async function discardRootfs(dir: string, created: boolean): Promise<void> {
  if (created) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  for (const name of await readdir(dir).catch(() => [])) await rm(path.join(dir, name), { recursive: true, force: true });
}

/**
 * Applies the layers in order. A layer that is not stored yet is applied while it downloads
 * (its bytes go to the applier and to the store at once, and the digest is checked at the end);
 * meanwhile the next layers download to the store in the background, `concurrency - 1` at once.
 */
async function applyLayers(source: ImageSource, descs: Descriptor[], opts: ImportOptions, out: ImportedLayer[]): Promise<void> {
  const stored = await Promise.all(descs.map((d, i) => descs.findIndex((e) => e.digest === d.digest) < i || opts.store.has(d.digest)));
  for (const [i, d] of descs.entries()) {
    if (stored[i] && descs.findIndex((e) => e.digest === d.digest) === i) opts.onEvent?.({ kind: 'layer_cached', digest: d.digest, size: d.size, ms: 0 });
  }
  const ahead = Math.max(0, (opts.concurrency ?? 4) - 1);
  const prefetched = new Map<number, Promise<void>>();
  let running = 0;
  let current = 0;
  const prefetch = (): void => {
    for (let j = current + 1; j < descs.length && running < ahead; j++) {
      if (stored[j] || prefetched.has(j)) continue;
      running++;
      const t = performance.now();
      const d = descs[j];
      const p = source.fetchBlob(d, opts.store.blobPath(d.digest)).then(() => {
        opts.onEvent?.({ kind: 'layer_downloaded', digest: d.digest, size: d.size, ms: Math.round(performance.now() - t) });
      }).finally(() => {
        running--;
        prefetch();
      });
      p.catch(() => undefined);
      prefetched.set(j, p);
    }
  };

  const budget = { remainingImageBytes: opts.limits.maxImageBytes };
  for (const [i, layer] of descs.entries()) {
    current = i;
    prefetch();
    opts.signal?.throwIfAborted();
    const t = performance.now();
    const applyOpts = { rootfs: opts.rootfs, compression: layerCompression(layer.mediaType), limits: opts.limits, budget, layerDigest: layer.digest, writes: opts.writes };
    let stats: ApplyStats;
    const pending = prefetched.get(i);
    if (!stored[i] && !pending && source.streamBlob) {
      stats = await applyStreamed(source.streamBlob(layer, opts.store.blobPath(layer.digest)), applyOpts, opts.signal);
      opts.onEvent?.({ kind: 'layer_downloaded', digest: layer.digest, size: layer.size, ms: Math.round(performance.now() - t) });
    } else {
      if (pending) await pending;
      else if (!stored[i]) {
        await source.fetchBlob(layer, opts.store.blobPath(layer.digest));
        opts.onEvent?.({ kind: 'layer_downloaded', digest: layer.digest, size: layer.size, ms: Math.round(performance.now() - t) });
      }
      stats = await applyStored(opts.store, layer.digest, applyOpts, opts.signal);
    }
    opts.onEvent?.({ kind: 'layer_applied', digest: layer.digest, bytes: stats.bytes, entries: stats.entries, ms: Math.round(performance.now() - t) });
    out.push({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size, cached: stored[i], bytes: stats.bytes });
  }
}

function cancelled(): KilnError {
  return new KilnError('build_cancelled', 'The import was stopped.', { phase: 'preparing' });
}

/** Applies a stored layer. */
async function applyStored(store: OciLayoutStore, digest: string, applyOpts: ApplyLayerOptions, signal: AbortSignal | undefined): Promise<ApplyStats> {
  signal?.throwIfAborted();
  const input = store.open(digest);
  const stop = () => input.destroy(cancelled());
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await applyLayer(input, applyOpts);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** Applies a layer as it downloads; the layer fails when the download or its digest check does. */
async function applyStreamed(blob: StreamedBlob, applyOpts: ApplyLayerOptions, signal: AbortSignal | undefined): Promise<ApplyStats> {
  if (signal?.aborted) {
    await blob.cancel();
    throw cancelled();
  }
  const stop = () => void blob.cancel();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const stats = await applyLayer(blob.chunks(), applyOpts);
    await blob.finish();
    return stats;
  } catch (err) {
    await blob.cancel();
    throw signal?.aborted && !(err instanceof KilnError && err.code === 'digest_mismatch') ? cancelled() : err;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
