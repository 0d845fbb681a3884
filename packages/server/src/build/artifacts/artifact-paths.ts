/** Where artifacts live: `<dataDir>/artifacts/<id>/rootfs.ext4`, scratch space beside them, and the OCI ref of a build's image. */
import path from 'node:path';

/** The ext4 image's file name inside an artifact's directory. */
export const EXT4_FILE = 'rootfs.ext4';

/** The directory holding every artifact. */
export function artifactsRoot(dataDir: string): string {
  return path.join(dataDir, 'artifacts');
}

/** One artifact's directory. */
export function artifactDir(dataDir: string, artifactId: string): string {
  return path.join(artifactsRoot(dataDir), artifactId);
}

/** Scratch space for downloads (mount points, unpacked trees); the collector clears what a crash left. */
export function artifactScratch(dataDir: string): string {
  return path.join(artifactsRoot(dataDir), '.tmp');
}

/** The name of a build's OCI image in the layout store's `index.json`, so other code finds it by build id. */
export function buildImageRef(buildId: string): string {
  return `kiln-build-${buildId}`;
}
