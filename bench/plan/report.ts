/** The plan benchmark's results: their shape, the printed table and the JSON file. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HttpResult } from './http-bench.ts';
import type { MachineInfo } from './machine-info.ts';
import type { MicroResult } from './micro-bench.ts';
import { int, ratio, table } from '../lib/markdown-table.ts';

/** Plan requests per second the server should sustain at concurrency 32. */
export const GOAL_PLAN_RPS = 3000;
/** Most an analysis may cost, as a multiple of a bare dockerfile-ast parse of the same text. */
export const GOAL_ANALYZE_RATIO = 2;

/** Everything one run measured. */
export interface PlanBenchResults {
  date: string;
  command: string;
  machine: MachineInfo;
  fixture: { file: string; lines: number; bytes: number };
  micro: MicroResult & { busyPct: number; stealPct: number };
  http: (HttpResult & { connections: number; durationS: number; loadGenerator: string; profiled: boolean }) | null;
  goals: {
    analyzeRatio: { goal: number; value: number; met: boolean };
    planRps: { goal: number; value: number; ratioToGoal: number; met: boolean } | null;
    floorRatio: number | null;
  };
  wallSeconds: number;
}

const us = (n: number) => `${n.toFixed(1)} µs`;


/** Renders the results as the tables the benchmark prints. */
export function formatResults(r: PlanBenchResults): string {
  const m = r.micro;
  const out: string[] = [
    `Plan benchmark, ${r.date}: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`,
    `Fixture: ${r.fixture.file} (${r.fixture.lines} lines, ${r.fixture.bytes} bytes)`,
    '',
    `In process: median of ${m.rounds.length} rounds × ${m.iterationsPerRound} calls after ${m.warmupIterations} warm-up calls each ` +
      `(machine busy ${m.busyPct}%, stolen ${m.stealPct}%)`,
    table([
      ['measure', 'per call', 'vs bare parse', 'goal'],
      ['bare DockerfileParser.parse', us(m.parseUs), ratio(1), ''],
      ['analyzeDockerfile (new text)', us(m.analyzeUs), ratio(m.ratio), `≤ ${ratio(GOAL_ANALYZE_RATIO)} ${r.goals.analyzeRatio.met ? 'met' : 'MISSED'}`],
      ['analyzeDockerfile (same text again)', us(m.analyzeRepeatUs), ratio(m.analyzeRepeatUs / m.parseUs), ''],
    ]),
    `ratio by round: ${ratio(m.ratioRange[0])} to ${ratio(m.ratioRange[1])}; from CPU time instead of wall time: ${ratio(m.cpuRatio)}`,
  ];
  const h = r.http;
  if (h) {
    const g = r.goals.planRps!;
    const row = (name: string, run: HttpResult['kiln'], vs: string) => [
      name, int(run.requestsPerSec), `${run.latencyP50Ms} ms`, `${run.latencyP99Ms} ms`, int(run.total), String(run.non2xx),
      run.serverCpuUsPerRequest === null ? '?' : `${int(run.serverCpuUsPerRequest)} µs`, vs, `${run.busyPct}% / ${run.stealPct}%`,
    ];
    out.push(
      '',
      `HTTP: POST /v1/templates/plan, ${h.connections} connections, ${h.durationS} s each, ${h.loadGenerator}; ` +
        `request ${int(h.requestBytes)} B, response ${int(h.responseBytes)} B${h.profiled ? '; SERVER PROFILED: figures are low' : ''}`,
      table([
        ['server', 'req/s (mean)', 'p50', 'p99', 'responses', 'non-2xx', 'server CPU/req', 'vs goal / floor', 'machine busy / stolen'],
        row('Kiln, same body', h.kiln, `${ratio(g.ratioToGoal)} of ${int(g.goal)} ${g.met ? 'met' : 'MISSED'}; ${ratio(r.goals.floorRatio!)} of floor`),
        row('Kiln, unique Dockerfile per request', h.kilnUnique, `${ratio(h.kilnUnique.requestsPerSec / g.goal)} of goal; ${ratio(h.kilnUnique.requestsPerSec / h.floor.requestsPerSec)} of floor`),
        row('floor: bare Fastify, fixed response', h.floor, ''),
      ]),
      `Server CPU/req is the server process's CPU time (all threads) per response; ${int(1e6 / GOAL_PLAN_RPS)} µs is the most ` +
        `one core can spend per request at ${int(GOAL_PLAN_RPS)} req/s. Machine busy includes the load generator and anything else running.`,
    );
  }
  out.push('', `Whole run: ${r.wallSeconds.toFixed(1)} s`);
  return out.join('\n');
}

/** Writes the results to `<dir>/plan-<date>.json` (date and time, so runs on one day do not overwrite) and returns the path. */
export async function writeResults(dir: string, r: PlanBenchResults): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `plan-${r.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  await writeFile(file, JSON.stringify(r, null, 2) + '\n');
  return file;
}
