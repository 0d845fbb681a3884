/** Where an import reads an image from: a registry, or Kiln's own OCI layout (builtin bases). */
import type { Descriptor, ImageIndex, ImageManifest } from '../oci-types.ts';

/** A manifest or index as fetched, with its digest and media type. */
export interface FetchedManifest {
  digest: string;
  mediaType: string;
  manifest: ImageManifest | ImageIndex;
}

/** A blob being downloaded into the store whose bytes can be read as they arrive. */
export interface StreamedBlob {
  /** The bytes in order; the last read throws `digest_mismatch` when they do not match the descriptor. */
  chunks(): AsyncIterable<Uint8Array>;
  /** Downloads what was not read, verifies the digest and puts the blob in place; throws as the download failed. */
  finish(): Promise<void>;
  /** Stops the download, leaving nothing in the store. */
  cancel(): Promise<void>;
}

/** A source of one image's manifests and blobs; implementations verify digests. */
export interface ImageSource {
  /** The reference, for messages and results. */
  readonly name: string;
  /** The manifest or index the reference names. */
  manifest(): Promise<FetchedManifest>;
  /** A manifest of the same repository by digest (an index entry). */
  manifestByDigest(digest: string): Promise<FetchedManifest>;
  /** A small blob (the config), verified. */
  blobBytes(desc: Descriptor): Promise<Buffer>;
  /** Makes sure a blob is at `dest` (the layout store's path for it), verified; no-op when already there. */
  fetchBlob(desc: Descriptor, dest: string): Promise<void>;
  /** Starts downloading a blob to `dest` with its bytes readable as they arrive (sources that download). */
  streamBlob?(desc: Descriptor, dest: string): StreamedBlob;
}

/** Whether a fetched manifest is an index (or Docker manifest list). */
export function isIndex(m: FetchedManifest): m is FetchedManifest & { manifest: ImageIndex } {
  return Array.isArray((m.manifest as ImageIndex).manifests);
}
