/**
 * Test fixtures for artifacts: real overlayfs layers (a lower tree and the upper directory a
 * read-write overlay mount leaves after a shell script changed the merged tree, whiteouts and
 * opaque directories written by the kernel itself). Needs root, as the tests run under `scripts/contain`.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A lower tree and the upper directory of one change on top of it. */
export interface OverlayLayers {
  dir: string;
  lower: string;
  upper: string;
  cleanup(): Promise<void>;
}

/** Runs `sh -c script` in a fresh directory `root` (to fill a lower tree). */
export function shellIn(root: string, script: string): void {
  execFileSync('sh', ['-ec', script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Makes `lower` with `lowerScript`, mounts an overlay with an empty upper over it, runs
 * `changeScript` in the merged tree, unmounts, and returns both directories.
 */
export async function overlayLayers(lowerScript: string, changeScript: string): Promise<OverlayLayers> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-overlay-'));
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(dir, d));
  for (const d of [lower, upper, work, merged]) await mkdir(d);
  shellIn(lower, lowerScript);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
  try {
    shellIn(merged, changeScript);
  } finally {
    execFileSync('umount', [merged]);
  }
  return { dir, lower, upper, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
