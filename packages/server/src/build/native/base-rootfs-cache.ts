/**
 * Unpacked base images, shared by every build: `<dataDir>/bases/<manifest digest>/rootfs`, with
 * what the import found beside it in `image.json`. A base is unpacked once (into a temporary
 * directory renamed into place, so a crash never leaves half a base) and then only read: builds
 * stack their layers over it with overlayfs.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { LayerLimits } from '../../oci/layers/apply-layer.ts';
import { importImage, resolveManifest, type ImportEvent, type ImportResult } from '../../oci/import/import-image.ts';
import type { ImageSource } from '../../oci/import/image-source.ts';

/** An unpacked base image. */
export interface BaseRootfs {
  /** The complete tree; never written to. */
  dir: string;
  /** What the import found (config, defaults, user, digests). */
  image: ImportResult;
  /** Whether it was already unpacked. */
  cached: boolean;
}

/** The shared store of unpacked bases. */
export class BaseRootfsCache {
  private readonly root: string;
  private readonly images: OciLayoutStore;
  private readonly limits: LayerLimits;

  constructor(dataDir: string, images: OciLayoutStore, limits: LayerLimits) {
    this.root = path.join(dataDir, 'bases');
    this.images = images;
    this.limits = limits;
  }

  /** The unpacked tree of the image `source` names, importing it on first use. */
  async get(source: ImageSource, opts: { signal?: AbortSignal; onEvent?: (e: ImportEvent) => void } = {}): Promise<BaseRootfs> {
    const { digest } = await resolveManifest(source);
    const home = path.join(this.root, digest.replace(/^sha256:/, '').slice(0, 32));
    const found = await this.read(home);
    if (found) return { dir: path.join(home, 'rootfs'), image: found, cached: true };

    const tmp = path.join(this.root, `.tmp-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    try {
      const image = await importImage(source, { store: this.images, rootfs: path.join(tmp, 'rootfs'), limits: this.limits, signal: opts.signal, onEvent: opts.onEvent });
      await writeFile(path.join(tmp, 'image.json'), JSON.stringify(image));
      try {
        await rename(tmp, home);
      } catch (err) {
        // Another build unpacked the same base meanwhile: use theirs.
        if (!['EEXIST', 'ENOTEMPTY'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      }
      return { dir: path.join(home, 'rootfs'), image: (await this.read(home)) ?? image, cached: false };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async read(home: string): Promise<ImportResult | undefined> {
    try {
      return JSON.parse(await readFile(path.join(home, 'image.json'), 'utf8')) as ImportResult;
    } catch {
      return undefined;
    }
  }
}
