/**
 * The root filesystem a build ends with, as the layers it is made of. Executors hand it to
 * the `finalize` phase, which makes the ext4 and OCI artifacts from it.
 */

/** A build's final root filesystem: directories stacked bottom-up, read-only once handed over. */
export interface FinalRootfs {
  /**
   * Directories, bottom first: the unpacked base image, then one overlayfs upper directory per
   * step that changed files (whiteouts as overlayfs writes them: 0/0 character devices and the
   * `trusted.overlay.opaque` xattr). A single entry is a plain, complete tree.
   */
  layers: string[];
  /**
   * When the bottom layer is an image in the OCI store: its manifest digest, so the OCI artifact
   * reuses the image's layers and exports only the layers above it.
   */
  baseManifestDigest?: string;
}
