/** The import benchmark's results: their shape, the medians and goals, the printed table and the JSON file. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MachineInfo } from '../plan/machine-info.ts';
import type { ImportSample } from './importers.ts';
import type { TreeStats } from './tree-stats.ts';
import { int, ratio, table } from '../lib/markdown-table.ts';

/** Kiln's wall time may be at most this multiple of the peer's. */
export const GOAL_WALL_RATIO = 0.6;
/** Kiln's peak RSS must stay below this many bytes (150 MB), whatever the layer size. */
export const GOAL_MAX_RSS_BYTES = 150_000_000;

/** A sample as recorded (without the temp path it was unpacked to). */
export type RecordedSample = Omit<ImportSample, 'rootfs'> & { tree: TreeStats };

/** Medians over the runs of one image. */
export interface ImageMedians {
  kilnWallMs: number;
  peerWallMs: number;
  /** Median Kiln wall time over median peer wall time. */
  ratio: number;
  kilnCpuMs: number;
  peerCpuMs: number;
  kilnSysMs: number;
  peerSysMs: number;
  kilnRssBytes: number;
  peerRssBytes: number;
  /** The import's own duration as Kiln reports it (without Node's start-up). */
  kilnReportedMs: number | null;
}

/** Everything measured for one image. */
export interface ImageBench {
  name: string;
  ref: string;
  layers: number;
  /** Compressed bytes of all layers. */
  layerBytes: number;
  /** Bytes the layers expand to (their tar streams). */
  uncompressedBytes: number;
  kiln: RecordedSample[];
  peer: RecordedSample[];
  medians: ImageMedians;
  /** Highest Kiln peak RSS of any run (the memory goal is judged on it). */
  kilnMaxRssBytes: number;
}

/** Everything one run measured. */
export interface ImportBenchResults {
  date: string;
  command: string;
  machine: MachineInfo;
  versions: Record<string, string>;
  runs: number;
  /** Where the importers unpacked (the filesystem matters). */
  workDir: string;
  images: ImageBench[];
  goals: {
    wallRatio: { goal: number; values: Record<string, number>; met: boolean };
    kilnRss: { goalBytes: number; values: Record<string, number>; met: boolean };
  };
  busyPct: number;
  stealPct: number;
  /** The 1-minute load average before and after the timed runs (the machine is shared). */
  loadAverage: [number, number];
  /** `kiln --help`, medians: the CLI's fixed start-up cost in time and memory. */
  kilnStartup: { wallMs: number; maxRssBytes: number };
  /**
   * The run's first Kiln import, untimed for the goals: Node's compile cache is empty (as after
   * installing or updating Kiln), so every module is type-stripped and compiled; it fills the cache
   * the timed runs use.
   */
  kilnFirstRun: { image: string; wallMs: number; maxRssBytes: number } | null;
  wallSeconds: number;
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Medians over the samples of one image. */
export function imageMedians(kiln: RecordedSample[], peer: RecordedSample[]): ImageMedians {
  const m = (xs: RecordedSample[], f: (s: RecordedSample) => number) => median(xs.map(f));
  const kilnWallMs = m(kiln, (s) => s.wallMs);
  const peerWallMs = m(peer, (s) => s.wallMs);
  const reported = kiln.map((s) => s.reportedMs).filter((n): n is number => typeof n === 'number');
  return {
    kilnWallMs, peerWallMs, ratio: kilnWallMs / peerWallMs,
    kilnCpuMs: m(kiln, (s) => s.cpuMs), peerCpuMs: m(peer, (s) => s.cpuMs),
    kilnSysMs: m(kiln, (s) => s.sysMs), peerSysMs: m(peer, (s) => s.sysMs),
    kilnRssBytes: m(kiln, (s) => s.maxRssBytes), peerRssBytes: m(peer, (s) => s.maxRssBytes),
    kilnReportedMs: reported.length ? median(reported) : null,
  };
}

/** Judges the goals over all images. */
export function judgeGoals(images: ImageBench[]): ImportBenchResults['goals'] {
  const ratios = Object.fromEntries(images.map((i) => [i.name, round2(i.medians.ratio)]));
  const rss = Object.fromEntries(images.map((i) => [i.name, i.kilnMaxRssBytes]));
  return {
    wallRatio: { goal: GOAL_WALL_RATIO, values: ratios, met: images.every((i) => i.medians.ratio <= GOAL_WALL_RATIO) },
    kilnRss: { goalBytes: GOAL_MAX_RSS_BYTES, values: rss, met: images.every((i) => i.kilnMaxRssBytes < GOAL_MAX_RSS_BYTES) },
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;


/** Renders the results as the tables the benchmark prints. */
export function formatResults(r: ImportBenchResults): string {
  const out = [
    `Import benchmark, ${r.date}: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`,
    `Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join('; ')}`,
    `Median of ${r.runs} cold runs each (fresh data and output directories; Kiln's compile cache warm, see below; machine busy ${r.busyPct}%, stolen ${r.stealPct}%, load average ${r.loadAverage[0]} → ${r.loadAverage[1]}). Peer = skopeo copy + umoci unpack, ` +
      `wall and CPU summed, peak RSS the larger of the two processes. Work directories under ${r.workDir}. MB = 10^6 bytes.`,
    '',
    table([
      ['image', 'layers (gz / tar)', 'Kiln wall', 'peer wall', 'Kiln/peer', 'Kiln CPU (sys)', 'peer CPU (sys)', 'Kiln RSS (max)', 'peer RSS', 'files / bytes (both)'],
      ...r.images.map((i) => [
        i.name, `${i.layers}: ${mb(i.layerBytes)} / ${mb(i.uncompressedBytes)}`,
        s(i.medians.kilnWallMs), s(i.medians.peerWallMs),
        `${ratio(i.medians.ratio)} ${i.medians.ratio <= GOAL_WALL_RATIO ? 'met' : 'MISSED'}`,
        `${s(i.medians.kilnCpuMs)} (${s(i.medians.kilnSysMs)})`, `${s(i.medians.peerCpuMs)} (${s(i.medians.peerSysMs)})`,
        `${mb(i.medians.kilnRssBytes)} (${mb(i.kilnMaxRssBytes)}) ${i.kilnMaxRssBytes < GOAL_MAX_RSS_BYTES ? 'met' : 'MISSED'}`,
        mb(i.medians.peerRssBytes),
        `${int(i.kiln[0].tree.regularFiles)} / ${mb(i.kiln[0].tree.regularBytes)}`,
      ]),
    ]),
    '',
    'Per run (wall s): ' + r.images.map((i) => `${i.name}: Kiln ${i.kiln.map((k) => (k.wallMs / 1000).toFixed(2)).join(', ')}` +
      ` (own report ${i.kiln.map((k) => ((k.reportedMs ?? Number.NaN) / 1000).toFixed(2)).join(', ')});` +
      ` peer ${i.peer.map((p) => p.steps.map((st) => (st.wallMs / 1000).toFixed(2)).join('+')).join(', ')}`).join('; '),
    '',
    `Kiln CLI start-up alone (kiln --help, median): ${s(r.kilnStartup.wallMs)}, peak RSS ${mb(r.kilnStartup.maxRssBytes)}`,
    ...(r.kilnFirstRun ? [`Kiln's first import (${r.kilnFirstRun.image}, empty compile cache, not in the medians): ${s(r.kilnFirstRun.wallMs)}, peak RSS ${mb(r.kilnFirstRun.maxRssBytes)}`] : []),
    `Goal Kiln/peer ≤ ${ratio(GOAL_WALL_RATIO)}: ${r.goals.wallRatio.met ? 'met' : 'MISSED'}; ` +
      `goal Kiln peak RSS < ${mb(GOAL_MAX_RSS_BYTES)}: ${r.goals.kilnRss.met ? 'met' : 'MISSED'}`,
    `Whole run: ${r.wallSeconds.toFixed(1)} s`,
  ];
  return out.join('\n');
}

/** Writes the results as `import-<date>.json` under `dir` and returns the file's path. */
export async function writeResults(r: ImportBenchResults, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `import-${r.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}
