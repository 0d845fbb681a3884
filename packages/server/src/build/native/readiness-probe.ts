/**
 * One readiness check of a started template, run against its container: `tcp` connects to the
 * port inside the container's network namespace, `http` sends a GET there and wants a 2xx or 3xx
 * status, `file` looks for a path in its root filesystem, `process` for a process by name in its
 * pid namespace, `command` runs a shell command in it and wants exit 0.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { Readiness } from '../../domain/plan-types.ts';
import { resolveInRootfs } from '../../oci/layers/rootfs-paths.ts';
import type { RunningContainer } from '../runc/runc-container.ts';

const PROBE_TIMEOUT_MS = 5_000;

/** A bash script that connects to 127.0.0.1:$1 (and, with a path in $2, checks an HTTP GET's status). */
const NET_PROBE = `exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
[ -z "$2" ] && exit 0
printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n' "$2" "$3" >&3
read -r proto status _ <&3
case "$status" in 2??|3??) exit 0;; esac
exit 1`;

function exitCode(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code ?? -1));
  });
}

/** Runs the network probe in the network namespace of the process `pid`. */
function netProbe(pid: number, port: number, httpPath = '', host = ''): Promise<boolean> {
  return exitCode('nsenter', [`--net=/proc/${pid}/ns/net`, '--', 'bash', '-c', NET_PROBE, 'probe', String(port), httpPath, host]).then((c) => c === 0);
}

/** Whether a process named `name` (its name, or a word of its command line) runs in the pid namespace of `pid`. */
async function processRunning(pid: number, name: string): Promise<boolean> {
  const ns = await readlink(`/proc/${pid}/ns/pid`).catch(() => undefined);
  if (!ns) return false;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readlink(`/proc/${entry}/ns/pid`).catch(() => '')) !== ns) continue;
    const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    // Its name, or any word of its command line (`busybox httpd` runs as "busybox").
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').map((a) => a.split('/').pop());
    if (comm === name || argv.includes(name)) return true;
  }
  return false;
}

/** Checks readiness once; `rootfs` is the container's mounted root, `user` its `uid:gid`. */
export async function probeOnce(r: Readiness, container: RunningContainer, rootfs: string, user: string): Promise<boolean> {
  const pid = await container.pid();
  if (pid === undefined) return false;
  switch (r.kind) {
    case 'tcp': return r.port !== undefined && netProbe(pid, r.port);
    case 'http': {
      if (!r.url) return false;
      const u = new URL(r.url);
      const port = r.port ?? (Number(u.port) || 80);
      return netProbe(pid, port, `${u.pathname}${u.search}` || '/', u.host);
    }
    case 'file': return r.path !== undefined && (await resolveInRootfs(rootfs, r.path).catch(() => null)) !== null;
    case 'process': return r.process !== undefined && processRunning(pid, r.process);
    case 'command': return r.command !== undefined && (await container.exec(['/bin/sh', '-c', r.command], PROBE_TIMEOUT_MS, user)) === 0;
    case 'timeout': return false;
  }
}
