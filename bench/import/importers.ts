/**
 * The two importers the benchmark compares, each run cold into fresh directories: Kiln's CLI
 * (`kiln image import`) and the peer pipeline (`skopeo copy` to an OCI layout, then
 * `umoci unpack`). Each returns its timing, peak memory and the root filesystem it made.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { measureCommand, type Measured } from './measure-command.ts';

const run = promisify(execFile);

/** One timed import. */
export interface ImportSample {
  wallMs: number;
  cpuMs: number;
  /** The kernel's share of `cpuMs`. */
  sysMs: number;
  /** Peak RSS: of the one process (Kiln), or the larger of the two processes (peer). */
  maxRssBytes: number;
  /** Where the unpacked root filesystem is. */
  rootfs: string;
  /** Per-process figures (the peer's two steps; Kiln's one). */
  steps: { name: string; wallMs: number; cpuMs: number; sysMs: number; maxRssBytes: number }[];
  /** Kiln only: the import's own duration as it reports it (without Node's start-up). */
  reportedMs?: number;
}

/** Where things are and how long a step may take. */
export interface ImporterContext {
  repoRoot: string;
  /** "127.0.0.1:PORT". */
  registryHost: string;
  timeoutMs: number;
  /** Node's compile cache for Kiln's runs (NODE_COMPILE_CACHE): empty at the start of a benchmark run. */
  codeCacheDir: string;
}

/** Throws with the command's output unless it exited 0. */
function check(name: string, m: Measured): Measured {
  if (m.code === 0) return m;
  throw new Error(`${name} failed (${m.signal ?? `exit ${m.code}`}) after ${Math.round(m.wallMs)} ms:\n${m.stderr.slice(-3000)}${m.stdout.slice(-1000)}`);
}

function step(name: string, m: Measured): ImportSample['steps'][number] {
  return { name, wallMs: m.wallMs, cpuMs: m.cpuMs, sysMs: m.sysMs, maxRssBytes: m.maxRssBytes };
}

/** The Kiln CLI's entry point (run with `node`). */
export function kilnBin(ctx: Pick<ImporterContext, 'repoRoot'>): string {
  return path.join(ctx.repoRoot, 'packages/server/bin/kiln.js');
}

/** The Kiln CLI's arguments to import `ref` into `output` (after the Node flags). */
export function kilnArgs(ctx: ImporterContext, ref: string, output: string): string[] {
  return [kilnBin(ctx), 'image', 'import', `${ctx.registryHost}/${ref}`, '--output', output, '--json'];
}

/** The Kiln CLI's environment: a data directory of its own, the local registry as plain HTTP, the run's compile cache. */
export function kilnEnv(ctx: ImporterContext, dataDir: string): Record<string, string> {
  return { KILN_DATA_DIR: dataDir, KILN_INSECURE_REGISTRIES: ctx.registryHost, KILN_LOG_LEVEL: 'warn', NODE_COMPILE_CACHE: ctx.codeCacheDir };
}

/** `kiln image import REF --output WORK/rootfs --json` with a fresh KILN_DATA_DIR under `work`. */
export async function kilnImport(ctx: ImporterContext, ref: string, work: string): Promise<ImportSample> {
  const dataDir = path.join(work, 'kiln-data');
  const rootfs = path.join(work, 'rootfs');
  await mkdir(dataDir, { recursive: true });
  const m = check('kiln image import', await measureCommand(process.execPath, kilnArgs(ctx, ref, rootfs), {
    env: kilnEnv(ctx, dataDir), cwd: ctx.repoRoot, timeoutMs: ctx.timeoutMs,
  }));
  let reportedMs: number | undefined;
  try {
    reportedMs = (JSON.parse(m.stdout) as { duration_ms?: number }).duration_ms;
  } catch {
    throw new Error(`kiln image import --json printed ${JSON.stringify(m.stdout.slice(0, 300))}, not JSON`);
  }
  return { wallMs: m.wallMs, cpuMs: m.cpuMs, sysMs: m.sysMs, maxRssBytes: m.maxRssBytes, rootfs, steps: [step('kiln', m)], reportedMs };
}

/** `skopeo copy docker://… oci:WORK/layout:TAG`, then `umoci unpack --image WORK/layout:TAG WORK/bundle`. */
export async function peerImport(ctx: ImporterContext, ref: string, work: string): Promise<ImportSample> {
  const tag = ref.slice(ref.lastIndexOf(':') + 1);
  const layout = path.join(work, 'layout');
  const bundle = path.join(work, 'bundle');
  const copy = check('skopeo copy', await measureCommand('skopeo', [
    'copy', '--quiet', '--src-tls-verify=false', `docker://${ctx.registryHost}/${ref}`, `oci:${layout}:${tag}`,
  ], { timeoutMs: ctx.timeoutMs }));
  const unpack = check('umoci unpack', await measureCommand('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle], { timeoutMs: ctx.timeoutMs }));
  return {
    wallMs: copy.wallMs + unpack.wallMs,
    cpuMs: copy.cpuMs + unpack.cpuMs,
    sysMs: copy.sysMs + unpack.sysMs,
    maxRssBytes: Math.max(copy.maxRssBytes, unpack.maxRssBytes),
    rootfs: path.join(bundle, 'rootfs'),
    steps: [step('skopeo copy', copy), step('umoci unpack', unpack)],
  };
}

/** The first line of `cmd --version`, or "missing". */
export async function toolVersion(cmd: string, args = ['--version']): Promise<string> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 10_000 });
    return (stdout || stderr).trim().split('\n')[0];
  } catch {
    return 'missing';
  }
}

/** The installed Debian package version of `pkg` (dpkg-query), or "missing". */
export async function debianPackageVersion(pkg: string): Promise<string> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Version}', pkg], { timeout: 10_000 });
    return stdout.trim() || 'missing';
  } catch {
    return 'missing';
  }
}
