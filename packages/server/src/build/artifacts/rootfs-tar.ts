/**
 * An artifact's root filesystem as a tar stream, for `GET …/artifact?format=tar`. While the
 * directories the build ended with are still there, they are read directly (several through a
 * read-only overlay mount); otherwise the artifact's OCI image is unpacked by Kiln's own layer
 * applier into scratch space first. Mounts and scratch trees go when the stream closes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { KilnError } from '../../errors/errors.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { ImageManifest } from '../../oci/oci-types.ts';
import { applyLayer, type LayerLimits } from '../../oci/layers/apply-layer.ts';
import { layerCompression } from '../../oci/layers/layer-media.ts';
import type { ArtifactRecord } from '../../store/store.ts';
import { artifactScratch } from './artifact-paths.ts';
import { mountReadOnlyOverlay, unmountAndRemove } from './readonly-overlay.ts';
import { packTree } from './tree-tar.ts';

/** What reading an artifact's tree needs. */
export interface RootfsTarDeps {
  dataDir: string;
  images: OciLayoutStore;
  limits: LayerLimits;
  /** Hears of each stream's clean-up (unmount, scratch removal), which ends after the stream closes. */
  track?: (cleanup: Promise<void>) => void;
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);

/** Runs `cleanup` once the stream has closed (ended, failed or been destroyed), telling `track` when it is done. */
function afterClose(stream: Readable, cleanup: () => Promise<void>, track?: (done: Promise<void>) => void): Readable {
  const done = new Promise<void>((resolve) => {
    stream.once('close', () => { void cleanup().catch(() => {}).finally(resolve); });
  });
  track?.(done);
  return stream;
}

/** Unpacks the artifact's OCI image into `dir`. */
async function unpackImage(artifact: ArtifactRecord, dir: string, deps: RootfsTarDeps): Promise<void> {
  if (!(await deps.images.has(artifact.oci_manifest_digest))) {
    throw new KilnError('artifact_unavailable', `The OCI image of artifact ${artifact.id} is no longer stored (reason: artifact_missing); rebuild the template.`);
  }
  const manifest = JSON.parse((await deps.images.read(artifact.oci_manifest_digest)).toString('utf8')) as ImageManifest;
  const budget = { remainingImageBytes: deps.limits.maxImageBytes };
  for (const layer of manifest.layers) {
    await applyLayer(deps.images.open(layer.digest), { rootfs: dir, compression: layerCompression(layer.mediaType), limits: deps.limits, budget, layerDigest: layer.digest });
  }
}

/** The artifact's root filesystem as an uncompressed tar stream. */
export async function openRootfsTar(artifact: ArtifactRecord, deps: RootfsTarDeps): Promise<Readable> {
  const layers = artifact.layers;
  const present = layers.length > 0 && (await Promise.all(layers.map(isDir))).every(Boolean);
  if (present && layers.length === 1) return packTree(layers[0]);
  const scratch = artifactScratch(deps.dataDir);
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  const work = path.join(scratch, `${present ? 'mnt' : 'tree'}-${artifact.id}-${randomBytes(4).toString('hex')}`);
  if (present) {
    await mountReadOnlyOverlay(layers, work);
    return afterClose(packTree(work), () => unmountAndRemove(work), deps.track);
  }
  await mkdir(work, { mode: 0o700 });
  try {
    await unpackImage(artifact, work, deps);
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
  return afterClose(packTree(work), () => rm(work, { recursive: true, force: true }), deps.track);
}
