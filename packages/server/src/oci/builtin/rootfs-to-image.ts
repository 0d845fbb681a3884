/**
 * Packs a root filesystem directory into a one-layer OCI image in the layout store: the
 * host's `tar` writes the layer (it knows hard links, xattrs and ownership), gzip compresses
 * it, and both digests (layer and diff_id) are computed while it streams.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { KilnError } from '../../errors/errors.ts';
import { sha256Digest } from '../../domain/digest.ts';
import type { OciLayoutStore } from '../image-store/oci-layout-store.ts';
import { MEDIA_TYPES, type Descriptor, type ImageConfig, type ImageManifest } from '../oci-types.ts';
import { hostPlatform } from '../platform-select.ts';
import { HashingStream } from '../hashing-stream.ts';

/** Runtime settings of a packed image. */
export interface ImageSettings {
  env: string[];
  cmd: string[];
  workdir?: string;
  labels?: Record<string, string>;
}

/** Packs `rootfs` (without the contents of /dev, /proc, /sys) into an image named `name` in the store. */
export async function rootfsToImage(rootfs: string, name: string, store: OciLayoutStore, settings: ImageSettings): Promise<Descriptor> {
  await store.init();
  const tmp = `${store.root}/blobs/sha256/.pack-${randomBytes(6).toString('hex')}`;
  const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '--xattrs', '--sort=name',
    '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number>((resolve) => tar.once('close', (code) => resolve(code ?? 1)));
  const raw = new HashingStream();
  const packed = new HashingStream();
  try {
    await pipeline(tar.stdout, raw, createGzip({ level: 6 }), packed, createWriteStream(tmp, { mode: 0o600 }));
    const code = await exited;
    if (code !== 0) throw new KilnError('internal_error', `tar could not pack ${rootfs}: ${stderr.trim().slice(0, 500)}`);
    const layer: Descriptor = { mediaType: MEDIA_TYPES.ociLayerGzip, digest: `sha256:${packed.hash.digest('hex')}`, size: packed.size };
    await rename(tmp, store.blobPath(layer.digest));

    const platform = hostPlatform();
    const config: ImageConfig = {
      architecture: platform.architecture, os: 'linux', ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: settings.env, Cmd: settings.cmd, WorkingDir: settings.workdir, Labels: settings.labels ?? {} },
      rootfs: { type: 'layers', diff_ids: [`sha256:${raw.hash.digest('hex')}`] },
      history: [{ created: new Date().toISOString(), created_by: `kiln: packed ${name}` }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDesc: Descriptor = { mediaType: MEDIA_TYPES.ociConfig, digest: sha256Digest(configBytes), size: configBytes.length };
    await store.put(configDesc.digest, configBytes);
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: configDesc, layers: [layer] };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const manifestDesc: Descriptor = { mediaType: MEDIA_TYPES.ociManifest, digest: sha256Digest(manifestBytes), size: manifestBytes.length };
    await store.put(manifestDesc.digest, manifestBytes);
    await store.tag(name, manifestDesc);
    return manifestDesc;
  } finally {
    tar.kill();
    await rm(tmp, { force: true });
  }
}
