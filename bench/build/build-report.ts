/** The build benchmark's results: their shape, the medians, ratios and goal, the printed report and its files. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MachineInfo } from '../plan/machine-info.ts';
import { median } from '../import/report.ts';
import { ratio, table } from '../lib/markdown-table.ts';
import type { KilnRun } from './kiln-builds.ts';
import { formatPhases, medianPhases } from './phase-times.ts';

/** POST → ready of an unchanged rebuild must take at most this long (median). */
export const GOAL_REBUILD_MS = 150;

/** One timed `buildah bud`. */
export interface PeerRun {
  wallMs: number;
  cpuMs: number;
  maxRssBytes: number;
  imageId: string;
}

/** Kiln's runs of one kind of build request. */
export interface KilnSeries {
  /** First build of the steps, base unpacked, nothing else cached. */
  cold: KilnRun[];
  /** The identical request again (the whole-build cache answers). */
  cached: KilnRun[];
  /** The same steps under another template name: every step from the layer cache, the artifacts made again. */
  layerCached: KilnRun[];
}

/** What one backend's series ended as: its runs, or why it could not run. */
export type SeriesOutcome = { ok: true; runs: KilnSeries } | { ok: false; error: string };

/** Everything one run measured. */
export interface BuildBenchResults {
  date: string;
  command: string;
  machine: MachineInfo;
  versions: Record<string, string>;
  /** Rounds of cold + cached builds on each side. */
  runs: number;
  /** Where data directories and buildah storage lived. */
  workDir: string;
  /** The Dockerfile Kiln built (the peer's differs only in its FROM line). */
  dockerfile: string;
  /** The peer's command line (paths of the last round). */
  peerCommand: string;
  native: SeriesOutcome;
  buildkit: SeriesOutcome;
  peer: { cold: PeerRun[]; cached: PeerRun[] };
  /** POST → `end` of unchanged rebuilds, in ms, per backend. */
  rebuild: { native: number[]; buildkit: number[] };
  busyPct: number;
  stealPct: number;
  /** The 1-minute load average before and after the timed runs. */
  loadAverage: [number, number];
  wallSeconds: number;
}

/** The medians the report shows. */
export interface BuildSummary {
  peer: { cold: number; cached: number };
  native?: { cold: number; cached: number; layerCached: number; coldPhases: Record<string, number>; layerCachedPhases: Record<string, number> };
  buildkit?: { cold: number; cached: number; layerCached: number; coldPhases: Record<string, number>; layerCachedPhases: Record<string, number> };
  rebuild: { medianMs: number; minMs: number; maxMs: number; met: boolean; buildkitMedianMs: number | null };
}

const wall = (runs: { wallMs: number }[]) => median(runs.map((r) => r.wallMs));

function seriesSummary(o: SeriesOutcome): BuildSummary['native'] {
  if (!o.ok) return undefined;
  const { cold, cached, layerCached } = o.runs;
  return {
    cold: wall(cold), cached: wall(cached), layerCached: wall(layerCached),
    coldPhases: medianPhases(cold.map((r) => r.phases), median), layerCachedPhases: medianPhases(layerCached.map((r) => r.phases), median),
  };
}

/** Medians of every series, and the rebuild goal judged on the native backend's median. */
export function summarize(r: Pick<BuildBenchResults, 'native' | 'buildkit' | 'peer' | 'rebuild'>): BuildSummary {
  const rb = r.rebuild.native;
  const medianMs = median(rb);
  return {
    peer: { cold: wall(r.peer.cold), cached: wall(r.peer.cached) },
    native: seriesSummary(r.native),
    buildkit: seriesSummary(r.buildkit),
    rebuild: {
      medianMs, minMs: Math.min(...rb), maxMs: Math.max(...rb), met: medianMs <= GOAL_REBUILD_MS,
      buildkitMedianMs: r.rebuild.buildkit.length > 0 ? median(r.rebuild.buildkit) : null,
    },
  };
}

const sec = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const list = (runs: { wallMs: number }[]) => runs.map((r) => sec(r.wallMs)).join(', ');

/** Renders the results as the Markdown the benchmark prints and writes. */
export function formatResults(r: BuildBenchResults): string {
  const s = summarize(r);
  const cell = (x: number | undefined) => (x === undefined ? 'n/a' : sec(x));
  const rat = (x: number | undefined, peer: number) => (x === undefined ? 'n/a' : ratio(x / peer));
  const row = (what: string, n: number | undefined, b: number | undefined, p: number | undefined) =>
    [what, cell(n), cell(b), p === undefined ? '—' : sec(p), p === undefined ? '—' : rat(n, p), p === undefined ? '—' : rat(b, p)];
  const out = [
    `Build benchmark, ${r.date}: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, ${r.machine.kernel}, Node ${r.machine.node}`,
    `Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join('; ')}`,
    `Median of ${r.runs} rounds (machine busy ${r.busyPct}%, stolen ${r.stealPct}%, load average ${r.loadAverage[0]} → ${r.loadAverage[1]}); work directories under ${r.workDir}.`,
    'Kiln: POST /v1/templates/builds → the `end` log entry (SSE); peer: `buildah bud` wall time. No network on either side.',
    '',
    table([
      ['build', 'Kiln native (steps)', 'Kiln buildkit (Dockerfile)', 'buildah bud', 'native / peer', 'buildkit / peer'],
      row('cold (base unpacked, no step cached)', s.native?.cold, s.buildkit?.cold, s.peer.cold),
      row('fully cached (identical request / second bud)', s.native?.cached, s.buildkit?.cached, s.peer.cached),
      row('every step from the layer cache (new template name)', s.native?.layerCached, s.buildkit?.layerCached, undefined),
    ]),
    '',
    `Unchanged rebuild, POST → ready (native, median of ${r.rebuild.native.length}): ${sec(s.rebuild.medianMs)} (min ${sec(s.rebuild.minMs)}, max ${sec(s.rebuild.maxMs)}); ` +
      `goal ≤ ${GOAL_REBUILD_MS} ms: ${s.rebuild.met ? 'met' : 'MISSED'}` +
      (s.rebuild.buildkitMedianMs === null ? '' : `; buildkit backend: ${sec(s.rebuild.buildkitMedianMs)}`),
    '',
    'Where Kiln\'s time goes (medians of the phases, from the log timestamps):',
  ];
  if (s.native) out.push(`- native, cold: ${formatPhases(s.native.coldPhases)}`, `- native, layer cache: ${formatPhases(s.native.layerCachedPhases)}`);
  if (s.buildkit) out.push(`- buildkit, cold: ${formatPhases(s.buildkit.coldPhases)}`, `- buildkit, layer cache: ${formatPhases(s.buildkit.layerCachedPhases)}`);
  out.push('', 'Per run:');
  for (const [name, o] of [['native', r.native], ['buildkit', r.buildkit]] as const) {
    out.push(o.ok
      ? `- Kiln ${name}: cold ${list(o.runs.cold)}; cached ${list(o.runs.cached)}; layer cache ${list(o.runs.layerCached)}`
      : `- Kiln ${name}: did not run: ${o.error}`);
  }
  out.push(`- buildah bud: cold ${list(r.peer.cold)}; cached ${list(r.peer.cached)}`);
  out.push(`- unchanged rebuilds (native): ${r.rebuild.native.map((ms) => Math.round(ms)).join(', ')} ms`);
  if (r.rebuild.buildkit.length > 0) out.push(`- unchanged rebuilds (buildkit): ${r.rebuild.buildkit.map((ms) => Math.round(ms)).join(', ')} ms`);
  out.push('', `Whole run: ${r.wallSeconds.toFixed(1)} s`);
  return out.join('\n');
}

/** Writes `build-<date>.json` and `build-<date>.md` under `dir`; returns their paths. */
export async function writeResults(r: BuildBenchResults, dir: string): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, `build-${r.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}`);
  await writeFile(`${base}.json`, `${JSON.stringify({ ...r, summary: summarize(r) }, null, 2)}\n`);
  await writeFile(`${base}.md`, `${formatResults(r)}\n\nThe Dockerfile (Kiln's; the peer's FROM names the same image in its own storage):\n\n\`\`\`dockerfile\n${r.dockerfile}\`\`\`\n\nPeer: \`buildah ${r.peerCommand}\`\n`);
  return { json: `${base}.json`, markdown: `${base}.md` };
}
