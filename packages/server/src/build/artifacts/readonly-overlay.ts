/**
 * A read-only view of a stacked root filesystem: the layer directories of a FinalRootfs merged
 * by a read-only overlayfs mount (lowerdir=top:…:bottom, no upper), so whiteouts and opaque
 * directories are applied by the kernel itself. A single layer is used as it is.
 */
import { mkdir, readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { runTool } from './run-tool.ts';

/** mount(8) passes the option string in one page. */
const MAX_OPTIONS_BYTES = 4000;

/** The overlay options for `layers` (bottom first), with paths relative to `cwd` when that is shorter. */
export function overlayOptions(layers: string[]): { options: string; cwd: string } {
  const top = [...layers].reverse();
  const absolute = `ro,lowerdir=${top.join(':')}`;
  const cwd = commonParent(layers);
  const relative = `ro,lowerdir=${top.map((l) => path.relative(cwd, l) || '.').join(':')}`;
  return relative.length < absolute.length ? { options: relative, cwd } : { options: absolute, cwd: '/' };
}

function commonParent(dirs: string[]): string {
  const parts = dirs.map((d) => path.resolve(d).split(path.sep));
  const first = parts[0];
  let n = 0;
  while (n < first.length - 1 && parts.every((p) => p.length - 1 > n && p[n] === first[n])) n++;
  return first.slice(0, n).join(path.sep) || path.sep;
}

/** Whether `dir` is a mount point of this process's mount namespace. */
export async function isMountPoint(dir: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const target = path.resolve(dir);
  // mountinfo escapes space, tab, newline and backslash as octal (`\040`).
  const unescape = (p: string) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return info.split('\n').some((line) => unescape(line.split(' ')[4] ?? '') === target);
}

/** Unmounts `dir` (lazily when it is busy) and removes the empty mount point. */
export async function unmountAndRemove(dir: string): Promise<void> {
  if (await isMountPoint(dir)) {
    const res = await runTool('umount', [dir]);
    if (res.code !== 0) await runTool('umount', ['-l', dir]);
  }
  if (!(await isMountPoint(dir))) await rmdir(dir).catch(() => {});
}

/** Mounts `layers` (bottom first, at least two) read-only at `mountpoint`, which is created. */
export async function mountReadOnlyOverlay(layers: string[], mountpoint: string): Promise<void> {
  const { options, cwd } = overlayOptions(layers);
  if (Buffer.byteLength(options) > MAX_OPTIONS_BYTES) {
    throw new KilnError('internal_error', `The root filesystem has ${layers.length} layers, more than one overlay mount can stack to read it.`, { phase: 'finalize' });
  }
  // A mount an earlier, interrupted attempt left here goes first.
  for (let i = 0; i < 8 && (await isMountPoint(mountpoint)); i++) await runTool('umount', ['-l', mountpoint]);
  await mkdir(mountpoint, { recursive: true, mode: 0o700 });
  const res = await runTool('mount', ['-t', 'overlay', 'overlay', '-o', options, mountpoint], { cwd });
  if (res.code !== 0) {
    await rmdir(mountpoint).catch(() => {});
    throw new KilnError('internal_error', `Could not mount the build's layers read-only to read its root filesystem: ${res.stderr.trim() || `mount exited ${res.code}`}.`, { phase: 'finalize' });
  }
}

/**
 * Runs `fn` on the merged tree of `layers`: the one directory itself, or a read-only overlay mounted
 * at `mountpoint` for the call and unmounted after it, however it ends.
 */
export async function withMergedTree<T>(layers: string[], mountpoint: string, fn: (root: string) => Promise<T>): Promise<T> {
  if (layers.length === 0) throw new KilnError('internal_error', 'The build left no root filesystem to finalize.', { phase: 'finalize' });
  if (layers.length === 1) return fn(layers[0]);
  await mountReadOnlyOverlay(layers, mountpoint);
  try {
    return await fn(mountpoint);
  } finally {
    await unmountAndRemove(mountpoint);
  }
}
