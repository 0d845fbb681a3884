/**
 * The build benchmark (`npm run bench:build`): the same ten steps over the Debian bookworm minbase,
 * built by Kiln (a real server process: declarative steps on the native backend, and the same
 * Dockerfile on the buildkit backend) and by `buildah bud` alone, cold and fully cached, in rounds
 * that alternate which side goes first; then unchanged rebuilds timed from POST to ready (goal
 * ≤ 150 ms). Both sides start with the base unpacked and no step cached, and run with no network.
 * Prints a Markdown report and writes bench/results/build-<date>.json and .md.
 * Flags: --runs=N (3 rounds); --rebuilds=N (10); --work-dir=DIR (the system temp dir; a lowercase
 * path, where data directories and buildah storage live); --deadline=S (1800); --native-only;
 * --ext4 (then also runs the ext4 artifact benchmark, bench/build/ext4.ts, with the same --work-dir).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { debianMinbaseImage } from '../../test/fixtures/images/debian-base.ts';
import { gnuTimeAvailable, stopAllCommands } from '../import/measure-command.ts';
import { cpuShares, cpuTicks, machineInfo } from '../plan/machine-info.ts';
import { BENCH_BASE, BENCH_STEPS, benchDockerfile, PEER_BASE } from './bench-steps.ts';
import { BuildahPeer, writeBaseLayout } from './buildah-peer.ts';
import { formatResults, writeResults, type BuildBenchResults, type KilnSeries, type PeerRun, type SeriesOutcome } from './build-report.ts';
import { checkKilnRootfs, dockerfileBody, nativeBody, startBenchServer, timedBuild, type BenchServer, type KilnRun } from './kiln-builds.ts';
import { intFlag } from '../lib/flags.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const RESULTS_DIR = path.join(ROOT, 'bench/results');
/** Longest any one build may take. */
const BUILD_TIMEOUT_MS = 300_000;
const sh = promisify(execFile);


let deadline = Number.POSITIVE_INFINITY;
let interrupted = false;
const liveServers = new Set<BenchServer>();

function checkTime(): void {
  if (interrupted) throw new Error('interrupted');
  if (performance.now() > deadline) throw new Error('the run passed its deadline (--deadline=S)');
}

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write(`\n${signal}: stopping the processes this benchmark started…\n`);
  void stopAllCommands();
  for (const s of liveServers) s.kiln.child.kill('SIGTERM');
}

/** Tools the benchmark needs that are not installed. */
function missingTools(): string[] {
  const onPath = (cmd: string) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(path.join(d, cmd)));
  return [['buildah', 'buildah'], ['runc', 'runc'], ['mkfs.ext4', 'e2fsprogs'], ['debootstrap', 'debootstrap']]
    .filter(([cmd]) => !onPath(cmd) && !existsSync(`/usr/sbin/${cmd}`)).map(([, pkg]) => pkg)
    .concat(gnuTimeAvailable() ? [] : ['time']);
}

const short = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const say = (line: string) => process.stderr.write(`${line}\n`);

/** Runs a build, says how long it took, and returns it. */
async function build(server: BenchServer, label: string, body: Record<string, unknown>): Promise<KilnRun> {
  checkTime();
  const r = await timedBuild(server, body, BUILD_TIMEOUT_MS);
  say(`  ${label}: ${short(r.wallMs)} (${r.buildId})`);
  return r;
}

/** The steps request of this benchmark as one backend sends it, under a template name. */
type RequestOf = (name: string, extra?: Record<string, unknown>) => Record<string, unknown>;

/** Cold, identical again, and renamed (layer cache only) builds of one request; the base is warmed first with a tiny build. */
async function kilnSeries(server: BenchServer, label: string, request: RequestOf, warm: Record<string, unknown>, out: KilnSeries): Promise<void> {
  await build(server, `${label} warm-up (unpacks the base, not counted)`, warm);
  const cold = await build(server, `${label} cold`, request(`bench-${label}`));
  await checkKilnRootfs(server, cold.buildId);
  out.cold.push(cold);
  out.cached.push(await build(server, `${label} cached`, request(`bench-${label}`)));
  out.layerCached.push(await build(server, `${label} layer cache`, request(`bench-${label}-renamed`)));
}

/** POST → ready of `n` unchanged rebuilds of `request`. */
async function rebuilds(server: BenchServer, request: Record<string, unknown>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    checkTime();
    const r = await timedBuild(server, request, BUILD_TIMEOUT_MS);
    if (r.cacheSummary.final_artifact_hits !== 1) throw new Error(`unchanged rebuild ${r.buildId} did not hit the whole-build cache: ${JSON.stringify(r.cacheSummary)}`);
    out.push(r.wallMs);
  }
  return out;
}

async function main(): Promise<number> {
  const started = performance.now();
  const date = new Date().toISOString();
  const runs = intFlag('runs', 3);
  const rebuildCount = intFlag('rebuilds', 10);
  deadline = started + intFlag('deadline', 1800) * 1000;
  const nativeOnly = process.argv.includes('--native-only');
  const missing = missingTools();
  if (missing.length > 0) {
    say(`missing: ${missing.join(', ')}; install with: apt-get install -y ${missing.join(' ')}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    say('bench:build runs builds in runc containers over overlayfs and needs root.');
    return 2;
  }
  const machine = machineInfo();
  if (!machine.node.startsWith('v24.')) say(`warning: Node ${machine.node} is not the project's Node 24 (run through npm run bench:build)`);
  const firstLine = async (cmd: string, args: string[]) => (await sh(cmd, args)).stdout.split('\n')[0].trim().replace(/^\S+ version /, '');
  const dirty = (await sh('git', ['-C', ROOT, 'status', '--porcelain']).catch(() => ({ stdout: '' }))).stdout.trim() !== '';
  const versions = {
    node: machine.node,
    buildah: await firstLine('buildah', ['--version']),
    runc: await firstLine('runc', ['--version']),
    kiln: `${(await sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).catch(() => ({ stdout: 'unknown' }))).stdout.trim()}${dirty ? ' + uncommitted changes' : ''}`,
  };

  const workDir = path.resolve(process.argv.find((a) => a.startsWith('--work-dir='))?.slice(11) ?? tmpdir());
  const base = path.join(workDir, `kiln-bench-build-${process.pid}`);
  await mkdir(base);
  const native: KilnSeries = { cold: [], cached: [], layerCached: [] };
  const buildkitRuns: KilnSeries = { cold: [], cached: [], layerCached: [] };
  let buildkitError: string | undefined = nativeOnly ? 'skipped (--native-only)' : undefined;
  const peer: { cold: PeerRun[]; cached: PeerRun[] } = { cold: [], cached: [] };
  const rebuild: BuildBenchResults['rebuild'] = { native: [], buildkit: [] };
  let peerCommand = '';
  try {
    say('preparing the Debian minbase image (cached after the first run) and its OCI layout for buildah…');
    const layout = await writeBaseLayout(await debianMinbaseImage(), path.join(base, 'layout'));
    const contextDir = path.join(base, 'context');
    await mkdir(contextDir);
    await writeFile(path.join(contextDir, 'Dockerfile'), benchDockerfile(PEER_BASE));

    const nativeRequest: RequestOf = (name, extra) => nativeBody(name, BENCH_STEPS, extra);
    const dockerfileRequest: RequestOf = (name, extra) => dockerfileBody(name, benchDockerfile(BENCH_BASE), extra);

    const kilnRound = async (round: number) => {
      say(`round ${round}, Kiln (a new server and data directory):`);
      const server = await startBenchServer(base);
      liveServers.add(server);
      try {
        await kilnSeries(server, 'native', nativeRequest, nativeBody('bench-warmup', [{ type: 'run', command: 'true' }], { skip_cache: true }), native);
        if (buildkitError === undefined) {
          try {
            await kilnSeries(server, 'buildkit', dockerfileRequest, dockerfileBody('bench-warmup-df', `FROM ${BENCH_BASE}\nRUN true\n`, { skip_cache: true }), buildkitRuns);
          } catch (err) {
            if (interrupted) throw err;
            buildkitError = err instanceof Error ? err.message : String(err);
            say(`  the buildkit backend failed; measuring the native backend only: ${buildkitError}`);
          }
        }
        if (round === runs) {
          say(`  ${rebuildCount} unchanged rebuilds (native${buildkitError === undefined ? ' and buildkit' : ''})…`);
          rebuild.native = await rebuilds(server, nativeRequest('bench-native'), rebuildCount);
          if (buildkitError === undefined) rebuild.buildkit = await rebuilds(server, dockerfileRequest('bench-buildkit'), rebuildCount);
        }
      } finally {
        liveServers.delete(server);
        await server.stop();
      }
    };
    const peerRound = async (round: number) => {
      say(`round ${round}, buildah bud (a new storage holding only the base):`);
      checkTime();
      const p = await BuildahPeer.create(base, layout, BUILD_TIMEOUT_MS);
      try {
        peerCommand = p.budArgs(contextDir, path.join(p.dir, 'iid')).join(' ');
        for (const kind of ['cold', 'cached'] as const) {
          checkTime();
          const { measured, imageId } = await p.bud(contextDir);
          if (kind === 'cold') await p.check(imageId);
          peer[kind].push({ wallMs: measured.wallMs, cpuMs: measured.cpuMs, maxRssBytes: measured.maxRssBytes, imageId });
          say(`  peer ${kind}: ${short(measured.wallMs)}`);
        }
      } finally {
        await p.destroy();
      }
    };

    const loadBefore = os.loadavg()[0];
    const before = cpuTicks();
    for (let round = 1; round <= runs; round++) {
      if (round % 2 === 1) {
        await kilnRound(round);
        await peerRound(round);
      } else {
        await peerRound(round);
        await kilnRound(round);
      }
    }
    const shares = cpuShares(before, cpuTicks());
    const round1 = (n: number) => Math.round(n * 10) / 10;
    const outcome = (runsOf: KilnSeries, error: string | undefined): SeriesOutcome => (error === undefined ? { ok: true, runs: runsOf } : { ok: false, error });
    const results: BuildBenchResults = {
      date, command: ['npm run bench:build', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
      machine, versions, runs, workDir, dockerfile: benchDockerfile(BENCH_BASE), peerCommand,
      native: outcome(native, undefined), buildkit: outcome(buildkitRuns, buildkitError), peer, rebuild,
      ...shares, loadAverage: [round1(loadBefore), round1(os.loadavg()[0])], wallSeconds: (performance.now() - started) / 1000,
    };
    console.log(formatResults(results));
    const files = await writeResults(results, RESULTS_DIR);
    console.log(`\nResults: ${path.relative(ROOT, files.json)}, ${path.relative(ROOT, files.markdown)}`);
    return 0;
  } finally {
    await stopAllCommands();
    for (const s of liveServers) await s.stop().catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
}

/** Runs the ext4 artifact benchmark (bench/build/ext4.ts) as a child process with its output passed through; its exit code. */
async function runExt4Bench(): Promise<number> {
  const script = path.join(HERE, 'ext4.ts');
  if (!existsSync(script)) {
    say('--ext4: bench/build/ext4.ts is not there; skipped');
    return 0;
  }
  const args = process.argv.filter((a) => a.startsWith('--work-dir='));
  const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
main().then(async (code) => {
  process.exitCode = code;
  if (code === 0 && !interrupted && process.argv.includes('--ext4')) {
    console.log('');
    process.exitCode = await runExt4Bench();
  }
}, (err: unknown) => {
  process.stderr.write(`bench:build failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
