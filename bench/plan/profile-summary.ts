/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self and inclusive time by function and
 * self time by area (a package under node_modules, a folder of packages/server/src, Node's
 * internals, GC, idle).
 * Run: node bench/plan/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
/** The parts of a .cpuprofile file the summary reads. */
export interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** One line of a summary: a name and its share of the sampled (non-idle) time. */
export interface Share { name: string; ms: number; pct: number }

/** What {@link summarizeProfile} returns. */
export interface ProfileSummary { sampledMs: number; idleMs: number; self: Share[]; inclusive: Share[]; areas: Share[] }

/** The area a call frame belongs to. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const src = /packages\/server\/src\/([^/]+)/.exec(url);
  if (src) return `server/${src[1].replace(/\.ts$/, '')}`;
  return url.replace(/^file:\/\/.*\/(bench|test)\//, '$1/');
}

function keyOf(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|packages)\//, '$1/').replace(/^node:internal\//, 'node:');
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

function ranked(map: Map<string, number>, total: number, top: number): Share[] {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / total) * 1000) / 10 }));
}

/** Self, inclusive and per-area time of a profile, leaving out idle time; `top` lines of each. */
export function summarizeProfile(p: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(p.samples[i]);
    if (!leaf) continue;
    if (leaf.callFrame.functionName === '(idle)') { idle += dt; continue; }
    total += dt;
    self.set(keyOf(leaf.callFrame), (self.get(keyOf(leaf.callFrame)) ?? 0) + dt);
    areas.set(areaOf(leaf.callFrame), (areas.get(areaOf(leaf.callFrame)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id)!.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  return {
    sampledMs: Math.round(total / 1000), idleMs: Math.round(idle / 1000),
    self: ranked(self, total, top), inclusive: ranked(inclusive, total, top), areas: ranked(areas, total, top),
  };
}

function print(title: string, rows: Share[]): void {
  console.log(`\n${title}`);
  for (const r of rows) console.log(`${r.pct.toFixed(1).padStart(6)}% ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/plan/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(topArg ?? 25));
  console.log(`${file}: ${s.sampledMs} ms busy, ${s.idleMs} ms idle`);
  print('Self time by area', s.areas);
  print('Self time by function', s.self);
  print('Inclusive time by function', s.inclusive);
}
