/**
 * A build's network. With `internet_access`, one network namespace per build, held open by a
 * small process, with `slirp4netns` attached: outbound traffic goes through user-mode NAT and the
 * host's loopback is unreachable (`--disable-host-loopback`). Without it, every container gets
 * a namespace of its own with only a loopback interface.
 *
 * Both helper processes read a pipe from Kiln and exit when it closes, so they die with Kiln.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';

/** slirp4netns's DNS forwarder, as containers see it. */
const SLIRP_DNS = '10.0.2.3';
const READY_TIMEOUT_MS = 10_000;

/** What containers of a build join. */
export interface BuildNetwork {
  /** The shared namespace's path, or undefined for a private loopback-only namespace per container. */
  readonly netns: string | undefined;
  /** resolv.conf to bind into containers, when there is DNS. */
  readonly resolvConf: string | undefined;
  /** The DNS server containers on this network use, when there is one. */
  readonly dns: string | undefined;
  /** Stops the helper processes. */
  close(): Promise<void>;
}

function stop(child: ChildProcess): Promise<void> {
  child.stdin?.destroy();
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Waits until `child` writes a byte to fd 3 (slirp4netns's --ready-fd), or fails. */
function waitReady(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new KilnError('build_network_failed', `${what} did not come up within ${READY_TIMEOUT_MS / 1000} s.`, { phase: 'vm_create' })), READY_TIMEOUT_MS);
    const ready = child.stdio[3] as NodeJS.ReadableStream | null;
    ready?.once('data', () => { clearTimeout(timer); resolve(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new KilnError('build_network_failed', `${what} exited (${code}) before it was ready.`, { phase: 'vm_create' })); });
  });
}

/** Opens the network of one build; `dir` is a private directory of the build for its resolv.conf. */
export async function openBuildNetwork(internetAccess: boolean, dir: string): Promise<BuildNetwork> {
  if (!internetAccess) return { netns: undefined, resolvConf: undefined, dns: undefined, close: async () => {} };
  // The holder: a shell in a new network namespace that exits when its stdin (a pipe from Kiln) closes.
  const holder = spawn('unshare', ['--net', '--', 'sh', '-c', 'echo ready >&3; read _'], { stdio: ['pipe', 'ignore', 'ignore', 'pipe'] });
  let slirp: ChildProcess | undefined;
  try {
    await waitReady(holder, 'The build network namespace');
    // --exit-fd: slirp4netns exits when Kiln's end of that pipe closes; --ready-fd says when tap0 is configured.
    slirp = spawn('slirp4netns', ['--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=3', '--exit-fd=4', String(holder.pid), 'tap0'],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    await waitReady(slirp, 'slirp4netns');
  } catch (err) {
    if (slirp) await stop(slirp);
    await stop(holder);
    throw err;
  }
  const resolvConf = path.join(dir, 'resolv.conf');
  await writeFile(resolvConf, `nameserver ${SLIRP_DNS}\n`, { mode: 0o644 });
  const s = slirp;
  return {
    netns: `/proc/${holder.pid}/ns/net`,
    resolvConf,
    dns: SLIRP_DNS,
    async close() {
      await stop(s);
      await stop(holder);
    },
  };
}
