/**
 * Root filesystems of the builtin bases: a Debian minbase from `debootstrap` (through the
 * machine's own Debian mirror), and a tiny busybox system from Debian's busybox-static.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { KilnError } from '../../errors/errors.ts';

const run = promisify(execFile);

/** The Debian mirror to bootstrap from: KILN_DEBIAN_MIRROR, else the first `deb` source of this machine's apt configuration. */
export async function debianMirror(env: Record<string, string | undefined> = process.env): Promise<string> {
  if (env.KILN_DEBIAN_MIRROR) return env.KILN_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of await readdir('/etc/apt/sources.list.d')) files.push(path.join('/etc/apt/sources.list.d', f));
  } catch { /* no such directory */ }
  for (const file of files) {
    let text: string;
    try { text = await readFile(file, 'utf8'); } catch { continue; }
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m.exec(text);
    if (line && !line[1].includes('security')) return line[1];
    const deb822 = /^URIs:\s*(\S+)[\s\S]*?^Suites:\s*(\S+)/m.exec(text);
    if (deb822 && !deb822[1].includes('security')) return deb822[1];
  }
  return 'http://deb.debian.org/debian';
}

/** Bootstraps a Debian `suite` minbase into `dir` (about 30 s and 200 MB). */
export async function debianRootfs(dir: string, suite: string, mirror: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  try {
    await run('debootstrap', ['--variant=minbase', suite, dir, mirror], { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new KilnError('internal_error', `debootstrap of Debian ${suite} from ${mirror} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** Makes a busybox system in `dir` from the host's static busybox (`/bin/busybox`). */
export async function busyboxRootfs(dir: string, busybox = '/bin/busybox'): Promise<void> {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'tmp', 'home', 'dev', 'proc', 'sys', 'var/tmp']) {
    await mkdir(path.join(dir, d), { recursive: true, mode: 0o755 });
  }
  await chmod(path.join(dir, 'tmp'), 0o1777);
  await chmod(path.join(dir, 'root'), 0o700);
  await copyFile(busybox, path.join(dir, 'bin/busybox'));
  await chmod(path.join(dir, 'bin/busybox'), 0o755);
  const { stdout } = await run(busybox, ['--list-full']);
  for (const applet of stdout.split('\n').filter(Boolean)) {
    if (applet === 'bin/busybox') continue;
    const target = path.join(dir, applet);
    await mkdir(path.dirname(target), { recursive: true });
    await symlink('/bin/busybox', target).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
  }
  await writeFile(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}
