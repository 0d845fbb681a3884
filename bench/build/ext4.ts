/**
 * The ext4 artifact benchmark (`npm run bench:build:ext4`): Kiln's ext4 image step of the
 * `finalize` phase (`writeExt4Image`: `mkfs.ext4 -d` on the tree, through a read-only overlay
 * mount when the rootfs has several layers, and the image's usage read back) against `mkfs.ext4 -d` alone with
 * the same arguments on the same tree. Trees: the Debian bookworm minbase (test/fixtures), 20,000
 * small files, and (for information) both as two layers, against mkfs on a flattened copy.
 * Runs alternate which side goes first; the figure is the median of --runs=N (3) after one
 * untimed warm-up of each. Goal: Kiln ≤ 1.2× mkfs alone. Needs root (the overlay mount) and runs
 * under scripts/contain. Prints a Markdown table and writes bench/results/ext4-<date>.json.
 * Flags: --runs=N (3); --disk-mb=N (1024); --work-dir=DIR (the system temp dir).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { debianMinbaseRootfs, debootstrapAvailable } from '../../test/fixtures/images/debian-base.ts';
import { mkfsArgs, writeExt4Image } from '../../packages/server/src/build/artifacts/ext4-image.ts';
import { measureTree, type TreeSize } from '../../packages/server/src/build/artifacts/tree-size.ts';
import { cpuShares, cpuTicks, machineInfo } from '../plan/machine-info.ts';
import { int, ratio, table } from '../lib/markdown-table.ts';
import { intFlag } from '../lib/flags.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.resolve(HERE, '../results');
/** Kiln's ext4 step may take at most this multiple of mkfs.ext4 alone. */
const GOAL_RATIO = 1.2;
const SMALL_FILES = 20_000;
const FILES_PER_DIR = 500;


/** One tree the two sides write. */
interface Workload {
  name: string;
  /** What Kiln is given: its layers, bottom first. */
  layers: string[];
  /** What mkfs alone is given: the same tree as one directory. */
  flat: string;
  /** Counted toward the goal (the layered case is shown for information). */
  goal: boolean;
}

/** Medians and samples of one workload. */
interface WorkloadResult {
  name: string;
  tree: TreeSize;
  kilnMs: number[];
  peerMs: number[];
  kilnMedianMs: number;
  peerMedianMs: number;
  ratio: number;
  goal: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `files/dNNN/fNNNNN`, each a few bytes: the many-small-files tree. */
async function smallFilesTree(dir: string): Promise<string> {
  const root = path.join(dir, 'small-files');
  for (let i = 0; i < SMALL_FILES; i++) {
    const sub = path.join(root, 'files', `d${String(Math.floor(i / FILES_PER_DIR)).padStart(3, '0')}`);
    if (i % FILES_PER_DIR === 0) await mkdir(sub, { recursive: true });
    await writeFile(path.join(sub, `f${String(i).padStart(5, '0')}`), `file ${i}\n`);
  }
  return root;
}

/** Wall time of mkfs.ext4 alone with Kiln's arguments. */
function peerRun(flat: string, file: string, diskMb: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('mkfs.ext4', mkfsArgs(flat, file, diskMb), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`mkfs.ext4 exited ${code}: ${stderr}`))));
  });
}

/** Wall time of Kiln's ext4 step. */
async function kilnRun(layers: string[], file: string, diskMb: number, work: string): Promise<number> {
  const started = performance.now();
  await writeExt4Image({ layers, file, diskMb, mountpoint: path.join(work, 'mnt') });
  return performance.now() - started;
}

async function runWorkload(w: Workload, work: string, runs: number, diskMb: number): Promise<WorkloadResult> {
  const kilnFile = path.join(work, 'kiln.ext4');
  const peerFile = path.join(work, 'peer.ext4');
  const sample = async (side: 'kiln' | 'peer') => {
    const file = side === 'kiln' ? kilnFile : peerFile;
    await rm(file, { force: true });
    const ms = side === 'kiln' ? await kilnRun(w.layers, file, diskMb, work) : await peerRun(w.flat, file, diskMb);
    await rm(file, { force: true });
    return ms;
  };
  await sample('peer');
  await sample('kiln');
  const kilnMs: number[] = [];
  const peerMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const order: ('kiln' | 'peer')[] = i % 2 === 0 ? ['kiln', 'peer'] : ['peer', 'kiln'];
    for (const side of order) (side === 'kiln' ? kilnMs : peerMs).push(await sample(side));
    process.stderr.write(`  ${w.name}: run ${i + 1}/${runs} kiln ${kilnMs.at(-1)!.toFixed(0)} ms, mkfs ${peerMs.at(-1)!.toFixed(0)} ms\n`);
  }
  const kilnMedianMs = median(kilnMs);
  const peerMedianMs = median(peerMs);
  return { name: w.name, tree: await measureTree(w.flat), kilnMs, peerMs, kilnMedianMs, peerMedianMs, ratio: kilnMedianMs / peerMedianMs, goal: w.goal };
}

async function main(): Promise<void> {
  const runs = intFlag('runs', 3);
  const diskMb = intFlag('disk-mb', 1024);
  const base = process.argv.find((a) => a.startsWith('--work-dir='))?.slice('--work-dir='.length) ?? tmpdir();
  const work = await mkdtemp(path.join(base, 'kiln-bench-ext4-'));
  const ticks = cpuTicks();
  try {
    process.stderr.write(`Preparing the trees in ${work}…\n`);
    const small = await smallFilesTree(work);
    const workloads: Workload[] = [{ name: `${int(SMALL_FILES)} small files`, layers: [small], flat: small, goal: true }];
    if (debootstrapAvailable()) {
      const debian = await debianMinbaseRootfs();
      const flat = path.join(work, 'flattened');
      await mkdir(flat);
      execFileSync('cp', ['-a', `${debian}/.`, `${small}/.`, flat]);
      workloads.push(
        { name: 'Debian bookworm minbase', layers: [debian], flat: debian, goal: true },
        { name: 'minbase + small files as 2 layers (overlay)', layers: [debian, small], flat, goal: false },
      );
    } else {
      process.stderr.write('debootstrap is not installed: the Debian minbase trees are left out.\n');
    }
    const results: WorkloadResult[] = [];
    for (const w of workloads) results.push(await runWorkload(w, work, runs, diskMb));
    const shares = cpuShares(ticks, cpuTicks());
    const rows = [['tree', 'files and dirs', 'data', 'Kiln ext4 step', 'mkfs.ext4 -d alone', 'ratio', 'goal ≤ 1.2×']];
    for (const r of results) {
      rows.push([r.name, int(r.tree.inodes), `${(r.tree.bytes / 1024 / 1024).toFixed(1)} MiB`, `${r.kilnMedianMs.toFixed(0)} ms`,
        `${r.peerMedianMs.toFixed(0)} ms`, ratio(r.ratio), r.goal ? (r.ratio <= GOAL_RATIO ? 'met' : '**not met**') : '(information)']);
    }
    const report = [
      `ext4 artifact: Kiln's writeExt4Image against mkfs.ext4 -d alone (${diskMb} MiB image, median of ${runs}, machine busy ${shares.busyPct}%, steal ${shares.stealPct}%)`,
      '', table(rows), '',
      `mkfs arguments (both sides): mkfs.ext4 ${mkfsArgs('<tree>', '<file>', diskMb).join(' ')}`,
    ].join('\n');
    process.stdout.write(`${report}\n`);
    await mkdir(RESULTS_DIR, { recursive: true });
    const out = path.join(RESULTS_DIR, `ext4-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(out, JSON.stringify({ machine: machineInfo(), diskMb, runs, shares, results }, null, 2));
    process.stderr.write(`Results written to ${out}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
