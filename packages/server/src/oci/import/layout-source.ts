/** An image Kiln made itself (a builtin base), read from its own OCI layout. */
import { KilnError } from '../../errors/errors.ts';
import { sha256Digest } from '../../domain/digest.ts';
import type { OciLayoutStore } from '../image-store/oci-layout-store.ts';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci-types.ts';
import type { FetchedManifest, ImageSource } from './image-source.ts';

/** A named image in the layout store. */
export class LayoutSource implements ImageSource {
  readonly name: string;
  private readonly store: OciLayoutStore;

  constructor(store: OciLayoutStore, name: string) {
    this.store = store;
    this.name = name;
  }

  /** The manifest the name points at. */
  async manifest(): Promise<FetchedManifest> {
    const desc = await this.store.resolve(this.name);
    if (!desc) {
      throw new KilnError('base_image_not_found', `The builtin base ${this.name} has not been built on this server: run \`kiln bases build ${builtinKey(this.name)}\`.`, { phase: 'preparing' });
    }
    return this.manifestByDigest(desc.digest);
  }

  /** A stored manifest by digest. */
  async manifestByDigest(digest: string): Promise<FetchedManifest> {
    const bytes = await this.verified({ digest, size: -1, mediaType: '' });
    const manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest | ImageIndex;
    return { digest, mediaType: manifest.mediaType ?? '', manifest };
  }

  /** A stored blob, verified. */
  blobBytes(desc: Descriptor): Promise<Buffer> {
    return this.verified(desc);
  }

  /** Layers of a layout image are already in place. */
  async fetchBlob(desc: Descriptor): Promise<void> {
    if (!(await this.store.has(desc.digest))) {
      throw new KilnError('base_image_not_found', `Layer ${desc.digest} of ${this.name} is missing from the image store; rebuild the base.`, { phase: 'preparing' });
    }
  }

  private async verified(desc: Descriptor): Promise<Buffer> {
    const bytes = await this.store.read(desc.digest);
    if (sha256Digest(bytes) !== desc.digest || (desc.size >= 0 && bytes.length !== desc.size)) {
      throw new KilnError('digest_mismatch', `Blob ${desc.digest} of ${this.name} in the image store does not match its digest.`, { phase: 'preparing' });
    }
    return bytes;
  }
}

/** `kiln/debian:bookworm` → `debian-bookworm`: the name `kiln bases build` takes. */
export function builtinKey(name: string): string {
  return name.replace(/^kiln\//, '').replace(/:latest$/, '').replace(':', '-');
}
