/** An image in a registry, read with the tenant's own credentials (held in memory only). */
import type { RegistryCredentials } from '../../domain/schemas/common-schemas.ts';
import type { ImageReference } from '../image-reference.ts';
import { formatImageReference } from '../image-reference.ts';
import type { RegistryClient } from '../registry/registry-client.ts';
import type { Descriptor } from '../oci-types.ts';
import type { FetchedManifest, ImageSource, StreamedBlob } from './image-source.ts';

/**
 * A registry image. Every import fetches the manifest from the registry with the caller's
 * credentials, so cached layers of a private image are reached only by a tenant the registry
 * accepted for that image.
 */
export class RegistrySource implements ImageSource {
  readonly name: string;
  private readonly client: RegistryClient;
  private readonly ref: ImageReference;
  private readonly auth: RegistryCredentials | undefined;

  constructor(client: RegistryClient, ref: ImageReference, auth?: RegistryCredentials) {
    this.client = client;
    this.ref = ref;
    this.auth = auth;
    this.name = formatImageReference(ref);
  }

  /** The manifest or index of the reference. */
  async manifest(): Promise<FetchedManifest> {
    const m = await this.client.getManifest(this.ref, this.auth);
    return { digest: m.digest, mediaType: m.mediaType, manifest: m.manifest };
  }

  /** A manifest of the repository by digest. */
  async manifestByDigest(digest: string): Promise<FetchedManifest> {
    const m = await this.client.getManifestByDigest(this.ref, digest, this.auth);
    return { digest: m.digest, mediaType: m.mediaType, manifest: m.manifest };
  }

  /** The config blob, verified. */
  blobBytes(desc: Descriptor): Promise<Buffer> {
    return this.client.getBlobBytes(this.ref, desc, this.auth);
  }

  /** Downloads a layer to `dest`, verified. */
  fetchBlob(desc: Descriptor, dest: string): Promise<void> {
    return this.client.downloadBlob(this.ref, desc, dest, this.auth);
  }

  /** Starts downloading a layer to `dest`, its bytes readable as they arrive and verified at the end. */
  streamBlob(desc: Descriptor, dest: string): StreamedBlob {
    return this.client.streamBlob(this.ref, desc, dest, this.auth);
  }
}
