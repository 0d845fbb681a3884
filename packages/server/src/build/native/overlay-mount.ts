/** Mounts and unmounts the overlayfs a build step runs on. */
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { KilnError } from '../../errors/errors.ts';

/** The mount(8) option string is limited to a page. */
const MAX_OPTIONS_BYTES = 4000;

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (err) => resolve({ code: -1, stderr: err.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/**
 * Mounts `lowers` (bottom first) under a writable `upper` at `target`; without `upper` the mount is
 * read-only (then at least two lowers are needed: callers use a single tree directly).
 */
export async function mountOverlay(target: string, lowers: string[], upper?: { upper: string; work: string }): Promise<void> {
  await mkdir(target, { recursive: true });
  if (upper) {
    await mkdir(upper.upper, { recursive: true, mode: 0o755 });
    await mkdir(upper.work, { recursive: true, mode: 0o700 });
  }
  const opts = [`lowerdir=${[...lowers].reverse().join(':')}`, ...(upper ? [`upperdir=${upper.upper}`, `workdir=${upper.work}`] : [])].join(',');
  if (Buffer.byteLength(opts) > MAX_OPTIONS_BYTES) {
    throw new KilnError('sandbox_failed', `The build has ${lowers.length} filesystem layers, more than one overlay mount can stack; combine steps (several commands in one run step) to have fewer.`, { phase: 'step' });
  }
  const { code, stderr } = await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, target]);
  if (code !== 0) throw new KilnError('sandbox_failed', `Could not mount the build's root filesystem: ${stderr.trim() || `mount exited ${code}`}.`, { phase: 'vm_create' });
}

/** Unmounts `target` if it is mounted (lazily, so a lingering process cannot keep it busy). */
export async function unmount(target: string): Promise<void> {
  await run('umount', ['-l', target]);
}

/** Unmounts everything mounted at or under `dir` (what a worker that died left behind). */
export async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const targets = info.split('\n').map((l) => l.split(' ')[4]).filter((t): t is string => !!t && (t === dir || t.startsWith(`${dir}/`)));
  for (const t of targets.sort((a, b) => b.length - a.length)) await unmount(t);
}
