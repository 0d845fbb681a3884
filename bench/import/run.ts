/**
 * The import benchmark (`npm run bench:import`): pushes the Debian bookworm minbase image and a
 * 50,000-small-file image to a local registry, then imports each cold, 3 times, with Kiln's CLI
 * and with skopeo copy + umoci unpack (runs alternate between the two); checks both made the
 * same files and bytes; prints a table and writes bench/results/import-<date>.json. Kiln runs
 * with a compile cache of the run's own (NODE_COMPILE_CACHE): one untimed first import fills it,
 * and is reported apart, as the cost of the first use after installing or updating Kiln.
 * Flags: --runs=N (3); --deadline=S (600: the run is abandoned past it); --work-dir=DIR (the system
 * temp dir: where both importers keep blobs and unpack, e.g. /dev/shm to take the disk out of the
 * comparison); --profile (an extra Kiln import per image under --cpu-prof and strace -c -f, the
 * profiles written to bench/results/profiles/).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRegistry, type RegistryFixture } from '../../test/fixtures/registry/registry-server.ts';
import { pushImage } from '../../test/fixtures/images/push-image.ts';
import { debianMinbaseImage } from '../../test/fixtures/images/debian-base.ts';
import { manyFilesImage } from '../../test/fixtures/images/test-images.ts';
import type { BuiltImage } from '../../test/fixtures/images/oci-image-writer.ts';
import { cpuShares, cpuTicks, machineInfo } from '../plan/machine-info.ts';
import { debianPackageVersion, kilnBin, kilnImport, peerImport, toolVersion, type ImporterContext, type ImportSample } from './importers.ts';
import { gnuTimeAvailable, measureCommand, stopAllCommands } from './measure-command.ts';
import { formatProfile, profileKilnImport } from './profile-runs.ts';
import { formatResults, imageMedians, judgeGoals, median, writeResults, type ImageBench, type ImportBenchResults, type RecordedSample } from './report.ts';
import { compareTrees, treeStats, type TreeStats } from './tree-stats.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const RESULTS_DIR = path.join(ROOT, 'bench/results');
/** Longest any one command may run. */
const STEP_TIMEOUT_MS = 120_000;
/** The whole run is abandoned past this (default 600 s, --deadline=S). */
let deadline = Number.POSITIVE_INFINITY;
const sh = promisify(execFile);

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const n = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

function stringFlag(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The images, by name, with the repository:tag each is pushed as. */
const IMAGES: { name: string; ref: string; build: () => Promise<BuiltImage> }[] = [
  { name: 'debian-minbase', ref: 'bench/debian:bookworm-minbase', build: () => debianMinbaseImage() },
  { name: 'many-files-50k', ref: 'bench/many-files:50000', build: () => manyFilesImage(50_000) },
];

/** The peer's command-line tools and the registry, or the apt-get line that installs what is missing. */
function missingTools(): string[] {
  const onPath = (cmd: string) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(path.join(d, cmd)));
  const missing: string[] = [];
  if (!onPath('skopeo')) missing.push('skopeo');
  if (!onPath('umoci')) missing.push('umoci');
  if (!onPath('docker-registry')) missing.push('docker-registry');
  if (!gnuTimeAvailable()) missing.push('time');
  return missing;
}

let interrupted = false;
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write(`\n${signal}: stopping the processes this benchmark started…\n`);
  void stopAllCommands();
}

/** Runs one importer cold in a fresh directory, counts its tree, and removes the directory. */
async function sample(run: (work: string) => Promise<ImportSample>, base: string, label: string): Promise<RecordedSample> {
  if (interrupted) throw new Error('interrupted');
  if (performance.now() > deadline) throw new Error('the run passed its deadline (--deadline=S); the machine is too busy or an importer too slow');
  const work = await mkdtemp(path.join(base, `${label}-`));
  try {
    await sh('sync');
    const s = await run(work);
    const tree = await treeStats(s.rootfs);
    const { rootfs: _rootfs, ...rest } = s;
    process.stderr.write(`  ${label}: ${(s.wallMs / 1000).toFixed(2)} s, ${(s.maxRssBytes / 1e6).toFixed(1)} MB, ${tree.regularFiles} files\n`);
    return { ...rest, tree };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The CLI's fixed cost: `kiln --help` (it loads the same modules as an import, then exits), median of `runs`. */
async function measureStartup(ctx: ImporterContext, runs: number): Promise<ImportBenchResults['kilnStartup']> {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const m = await measureCommand(process.execPath, [kilnBin(ctx), '--help'], { cwd: ctx.repoRoot, timeoutMs: ctx.timeoutMs, env: { NODE_COMPILE_CACHE: ctx.codeCacheDir } });
    if (m.code !== 0) throw new Error(`kiln --help failed: ${m.stderr.slice(-2000)}`);
    samples.push(m);
  }
  return { wallMs: median(samples.map((m) => m.wallMs)), maxRssBytes: median(samples.map((m) => m.maxRssBytes)) };
}

/** Fails loudly unless every sample's regular files and bytes equal the first peer sample's. */
function checkSameTrees(name: string, kiln: RecordedSample[], peer: RecordedSample[]): void {
  const reference: TreeStats = peer[0].tree;
  const problems = [
    ...kiln.flatMap((k, i) => compareTrees(k.tree, reference, [`Kiln run ${i + 1}`, 'umoci run 1'])),
    ...peer.slice(1).flatMap((p, i) => compareTrees(p.tree, reference, [`umoci run ${i + 2}`, 'umoci run 1'])),
  ];
  if (problems.length > 0) throw new Error(`${name}: Kiln's rootfs differs from umoci's:\n  ${problems.join('\n  ')}`);
}

async function main(): Promise<number> {
  const started = performance.now();
  const date = new Date().toISOString();
  const runs = flag('runs', 3);
  deadline = started + flag('deadline', 600) * 1000;
  const profile = process.argv.includes('--profile');
  const missing = missingTools();
  if (missing.length > 0) {
    process.stderr.write(`missing: ${missing.join(', ')}; install with: apt-get install -y ${missing.join(' ')}\n`);
    return 2;
  }
  const machine = machineInfo();
  if (!machine.node.startsWith('v24.')) process.stderr.write(`warning: Node ${machine.node} is not the project's Node 24 (run through npm run bench:import)\n`);
  const versions = {
    node: machine.node,
    skopeo: `${await toolVersion('skopeo')} (deb ${await debianPackageVersion('skopeo')})`,
    umoci: `${await toolVersion('umoci')} (deb ${await debianPackageVersion('umoci')})`,
    'docker-registry': `deb ${await debianPackageVersion('docker-registry')}`,
    kiln: (await sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).catch(() => ({ stdout: 'unknown' }))).stdout.trim(),
  };

  let registry: RegistryFixture | undefined;
  const workDir = path.resolve(stringFlag('work-dir') ?? tmpdir());
  const base = await mkdtemp(path.join(workDir, 'kiln-bench-import-'));
  try {
    process.stderr.write('building the images (cached after the first run) and starting the registry…\n');
    const built: (typeof IMAGES[number] & { image: BuiltImage })[] = [];
    for (const img of IMAGES) built.push({ ...img, image: await img.build() });
    registry = await startRegistry({ auth: 'none' });
    for (const b of built) {
      const [repo, tag] = b.ref.split(':');
      await pushImage(registry, repo, tag, b.image);
    }
    const ctx: ImporterContext = { repoRoot: ROOT, registryHost: registry.host, timeoutMs: STEP_TIMEOUT_MS, codeCacheDir: path.join(base, 'node-compile-cache') };

    process.stderr.write('first Kiln import, with an empty compile cache (untimed for the goals):\n');
    const first = await sample((w) => kilnImport(ctx, built[0].ref, w), base, 'kiln-first');
    const kilnFirstRun = { image: built[0].name, wallMs: first.wallMs, maxRssBytes: first.maxRssBytes };
    const kilnStartup = await measureStartup(ctx, runs);
    const loadBefore = os.loadavg()[0];
    const before = cpuTicks();
    const images: ImageBench[] = [];
    for (const b of built) {
      process.stderr.write(`${b.name} (${registry.host}/${b.ref}):\n`);
      const kiln: RecordedSample[] = [];
      const peer: RecordedSample[] = [];
      for (let i = 0; i < runs; i++) {
        // Alternate which importer goes first, so neither always inherits the other's writeback.
        const order = i % 2 === 0 ? ['kiln', 'peer'] : ['peer', 'kiln'];
        for (const which of order) {
          if (which === 'kiln') kiln.push(await sample((w) => kilnImport(ctx, b.ref, w), base, `kiln-${i + 1}`));
          else peer.push(await sample((w) => peerImport(ctx, b.ref, w), base, `peer-${i + 1}`));
        }
      }
      checkSameTrees(b.name, kiln, peer);
      images.push({
        name: b.name, ref: b.ref, layers: b.image.layers.length,
        layerBytes: b.image.layers.reduce((n, l) => n + l.size, 0),
        uncompressedBytes: b.image.layers.reduce((n, l) => n + l.uncompressedSize, 0),
        kiln, peer, medians: imageMedians(kiln, peer), kilnMaxRssBytes: Math.max(...kiln.map((k) => k.maxRssBytes)),
      });
    }
    const shares = cpuShares(before, cpuTicks());

    const results: ImportBenchResults = {
      date, command: ['npm run bench:import', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '), machine, versions, runs, workDir, images, goals: judgeGoals(images),
      ...shares, loadAverage: [round1(loadBefore), round1(os.loadavg()[0])], kilnStartup, kilnFirstRun, wallSeconds: 0,
    };
    const profiles: string[] = [];
    if (profile) {
      const profileDir = path.join(RESULTS_DIR, 'profiles');
      await mkdir(profileDir, { recursive: true });
      for (const b of built) {
        const name = `import-${b.name}-${date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}`;
        profiles.push(formatProfile(b.name, await profileKilnImport(ctx, b.ref, base, profileDir, name)));
      }
    }
    results.wallSeconds = (performance.now() - started) / 1000;
    console.log(formatResults(results));
    for (const p of profiles) console.log(`\n${p}`);
    console.log(`\nResults: ${path.relative(ROOT, await writeResults(results, RESULTS_DIR))}`);
    return 0;
  } finally {
    await stopAllCommands();
    await registry?.stop();
    await rm(base, { recursive: true, force: true });
  }
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench:import failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
