/** Mount points a benchmark left below its own directories, found in /proc/self/mountinfo and unmounted deepest first. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points at or below `dir`, deepest first, from the text of a mountinfo file (octal escapes decoded). */
export function mountsBelow(mountinfo: string, dir: string): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return mountinfo.split('\n').map((line) => line.split(' ')[4]).filter((p): p is string => p !== undefined)
    .map(unescape).filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything mounted at or below `dir` in this mount namespace. */
export async function unmountBelow(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  for (const mnt of mountsBelow(info, dir)) await run('umount', ['-l', mnt]).catch(() => undefined);
}
