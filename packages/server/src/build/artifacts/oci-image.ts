/**
 * A build's OCI image in the layout store: the base image's own layers (when the bottom of the
 * final rootfs is an image the store holds) plus one layer per directory above it, or the whole
 * tree as the first layer when the base is not stored. The config carries the template's runtime
 * defaults and OCI metadata; it is named `kiln-build-<build_id>` in `index.json`.
 *
 * Env values: the runtime defaults hold env keys only, so Env is the base image's own Env with the
 * plan's `ENV` assignments (`build_plan.env_assignments`) applied over it; a value set any other way
 * during the build (a step exporting it) is not known here.
 */
import { sha256Digest } from '../../domain/digest.ts';
import { quoteShellArgs } from '../../dockerfile/shell-quote.ts';
import type { BuildRecord } from '../../store/store.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import { MEDIA_TYPES, type Descriptor, type ImageConfig, type ImageManifest } from '../../oci/oci-types.ts';
import { hostPlatform } from '../../oci/platform-select.ts';
import type { FinalRootfs } from '../final-rootfs.ts';
import { buildImageRef } from './artifact-paths.ts';
import { writeDirLayer } from './dir-layer.ts';

/** What {@link writeOciImage} needs. */
export interface OciImageInput {
  images: OciLayoutStore;
  rootfs: FinalRootfs;
  build: BuildRecord;
  runtime_defaults: Record<string, unknown>;
  oci_metadata: Record<string, unknown>;
  signal?: AbortSignal;
}

/** What {@link writeOciImage} made. */
export interface OciImageResult {
  manifest: Descriptor;
  /** Layers packed from directories (the base's own are reused). */
  layersWritten: number;
  /** Whether the base image's layers were reused from the store. */
  baseReused: boolean;
}

/** Docker layer media types and their OCI equivalents (same bytes). */
const OCI_LAYER_TYPE: Record<string, string> = {
  [MEDIA_TYPES.dockerLayerGzip]: MEDIA_TYPES.ociLayerGzip,
  [MEDIA_TYPES.dockerLayerForeignGzip]: MEDIA_TYPES.ociLayerNondistGzip,
};

/** The base image of a final rootfs, when the store holds its manifest, config and every layer. */
async function storedBase(images: OciLayoutStore, digest: string | undefined): Promise<{ manifest: ImageManifest; config: ImageConfig } | undefined> {
  if (!digest || !(await images.has(digest))) return undefined;
  const manifest = JSON.parse((await images.read(digest)).toString('utf8')) as ImageManifest;
  if (!manifest.config || !Array.isArray(manifest.layers) || !(await images.has(manifest.config.digest))) return undefined;
  for (const layer of manifest.layers) if (!(await images.has(layer.digest))) return undefined;
  const config = JSON.parse((await images.read(manifest.config.digest)).toString('utf8')) as ImageConfig;
  if ((config.rootfs?.diff_ids?.length ?? -1) !== manifest.layers.length) return undefined;
  return { manifest, config };
}

/** `KEY=value` entries with `assignments` applied in order over `base`. */
export function mergeEnv(base: string[], assignments: [string, string][]): string[] {
  const env = new Map<string, string>();
  for (const entry of base) {
    const eq = entry.indexOf('=');
    env.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? '' : entry.slice(eq + 1));
  }
  for (const [k, v] of assignments) env.set(k, v);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** The `config` section: the base's, with the template's runtime defaults and metadata over it. */
export function runtimeConfig(base: ImageConfig['config'], build: BuildRecord, defaults: Record<string, unknown>, meta: Record<string, unknown>): NonNullable<ImageConfig['config']> {
  const c: NonNullable<ImageConfig['config']> = { ...(base ?? {}) };
  const plan = (build.plan.build_plan ?? {}) as { env_assignments?: [string, string][] };
  c.Env = mergeEnv(c.Env ?? [], Array.isArray(plan.env_assignments) ? plan.env_assignments : []);
  if (typeof defaults.default_user === 'string' && defaults.default_user) c.User = defaults.default_user;
  if (typeof defaults.default_workdir === 'string' && defaults.default_workdir) c.WorkingDir = defaults.default_workdir;
  const imageCmd = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
  if (typeof defaults.start_cmd === 'string' && defaults.start_cmd && defaults.start_cmd !== quoteShellArgs(imageCmd)) {
    c.Entrypoint = null;
    c.Cmd = ['/bin/sh', '-c', defaults.start_cmd];
  }
  if (Array.isArray(meta.exposed_ports)) {
    c.ExposedPorts = Object.fromEntries(meta.exposed_ports.map((p) => [String(p).includes('/') ? String(p) : `${p}/tcp`, {}]));
  }
  if (meta.labels && typeof meta.labels === 'object') c.Labels = { ...(meta.labels as Record<string, string>) };
  if (Array.isArray(meta.volumes)) c.Volumes = Object.fromEntries(meta.volumes.map((v) => [String(v), {}]));
  const hc = meta.healthcheck as { test?: string[]; interval_ns?: number; timeout_ns?: number; start_period_ns?: number; retries?: number } | null | undefined;
  if (hc?.test) c.Healthcheck = { Test: hc.test, Interval: hc.interval_ns, Timeout: hc.timeout_ns, StartPeriod: hc.start_period_ns, Retries: hc.retries };
  return c;
}

/** Writes the build's OCI image into the store and names it `kiln-build-<build_id>`. */
export async function writeOciImage(input: OciImageInput): Promise<OciImageResult> {
  const { images, rootfs, build } = input;
  const base = await storedBase(images, rootfs.baseManifestDigest);
  const layers: Descriptor[] = base ? base.manifest.layers.map((l) => ({ mediaType: OCI_LAYER_TYPE[l.mediaType] ?? l.mediaType, digest: l.digest, size: l.size })) : [];
  const diffIds = base ? [...(base.config.rootfs?.diff_ids ?? [])] : [];
  const history: unknown[] = base && Array.isArray(base.config.history) ? [...base.config.history] : [];
  const dirs = base ? rootfs.layers.slice(1) : rootfs.layers;
  const created = new Date().toISOString();
  let written = 0;
  for (const [i, dir] of dirs.entries()) {
    const wholeTree = !base && i === 0;
    const layer = await writeDirLayer(dir, images, { level: wholeTree ? 1 : 6, skipSystemDirs: wholeTree, signal: input.signal });
    if (!layer) continue;
    layers.push(layer.descriptor);
    diffIds.push(layer.diffId);
    history.push({ created, created_by: `kiln: build ${build.id}, ${wholeTree ? 'root filesystem' : `layer ${i + 1}`}` });
    written++;
  }
  const platform = hostPlatform();
  const config: ImageConfig = {
    architecture: base?.config.architecture ?? platform.architecture,
    os: 'linux',
    ...(base?.config.variant ?? platform.variant ? { variant: base?.config.variant ?? platform.variant } : {}),
    config: runtimeConfig(base?.config.config, build, input.runtime_defaults, input.oci_metadata),
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
  const configBytes = Buffer.from(JSON.stringify({ created, ...config }));
  const configDesc: Descriptor = { mediaType: MEDIA_TYPES.ociConfig, digest: sha256Digest(configBytes), size: configBytes.length };
  await images.put(configDesc.digest, configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: configDesc, layers,
    annotations: { 'org.opencontainers.image.created': created },
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDesc: Descriptor = { mediaType: MEDIA_TYPES.ociManifest, digest: sha256Digest(manifestBytes), size: manifestBytes.length };
  await images.put(manifestDesc.digest, manifestBytes);
  await images.tag(buildImageRef(build.id), manifestDesc);
  return { manifest: manifestDesc, layersWritten: written, baseReused: base !== undefined };
}
