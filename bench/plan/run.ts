/**
 * The plan benchmark (`npm run bench:plan`): analyzeDockerfile against a bare dockerfile-ast
 * parse in process, then POST /v1/templates/plan on a real Kiln server and on a bare Fastify
 * floor under autocannon; prints a table and writes bench/results/plan-<date>.json.
 * Flags: --duration=S (10), --warmup=S (2), --rounds=N (9), --connections=N (32), --no-http,
 * --profile (CPU profile of the Kiln server into bench/results/profiles/).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { stopAllChildren } from './child-processes.ts';
import { FIXTURE_LINES, fixtureDockerfile } from './fixture-dockerfile.ts';
import { runHttpBench } from './http-bench.ts';
import { cpuShares, cpuTicks, machineInfo } from './machine-info.ts';
import { runMicroBench } from './micro-bench.ts';
import { formatResults, GOAL_ANALYZE_RATIO, GOAL_PLAN_RPS, writeResults, type PlanBenchResults } from './report.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const FIXTURE_FILE = path.join(HERE, 'fixture-100-lines.Dockerfile');
const RESULTS_DIR = path.join(ROOT, 'bench/results');

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const n = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

let interrupted = false;
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write(`\n${signal}: stopping the processes this benchmark started…\n`);
  void stopAllChildren();
}

async function main(): Promise<number> {
  const started = performance.now();
  const date = new Date().toISOString();
  const durationS = flag('duration', 10);
  const warmupS = flag('warmup', 2);
  const rounds = flag('rounds', 9);
  const connections = flag('connections', 32);
  const withHttp = !process.argv.includes('--no-http');
  const profile = process.argv.includes('--profile');
  const machine = machineInfo();
  if (!machine.node.startsWith('v24.')) process.stderr.write(`warning: Node ${machine.node} is not the project's Node 24 (run through npm run bench:plan)\n`);

  const text = fixtureDockerfile();
  writeFileSync(FIXTURE_FILE, text);

  const microBefore = cpuTicks();
  const micro = { ...runMicroBench(text, { rounds, roundMs: 200, warmupIterations: 400 }), ...cpuShares(microBefore, cpuTicks()) };

  let http: PlanBenchResults['http'] = null;
  if (withHttp && !interrupted) {
    const profileDir = profile ? path.join(RESULTS_DIR, 'profiles') : undefined;
    const result = await runHttpBench(text, { connections, durationS, warmupS, profileDir });
    http = { ...result, connections, durationS, loadGenerator: 'autocannon 9 in its own process', profiled: profile };
    if (profileDir) process.stderr.write(`CPU profile of the Kiln server written to ${profileDir}\n`);
  }

  const results: PlanBenchResults = {
    date,
    command: `npm run bench:plan${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    machine,
    fixture: { file: path.relative(ROOT, FIXTURE_FILE), lines: FIXTURE_LINES, bytes: Buffer.byteLength(text) },
    micro,
    http,
    goals: {
      analyzeRatio: { goal: GOAL_ANALYZE_RATIO, value: micro.ratio, met: micro.ratio <= GOAL_ANALYZE_RATIO },
      planRps: http && {
        goal: GOAL_PLAN_RPS, value: http.kiln.requestsPerSec,
        ratioToGoal: http.kiln.requestsPerSec / GOAL_PLAN_RPS, met: http.kiln.requestsPerSec >= GOAL_PLAN_RPS,
      },
      floorRatio: http && http.kiln.requestsPerSec / http.floor.requestsPerSec,
    },
    wallSeconds: (performance.now() - started) / 1000,
  };
  console.log(formatResults(results));
  console.log(`Results written to ${path.relative(ROOT, await writeResults(RESULTS_DIR, results))}`);
  return 0;
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
main().then(
  (code) => { process.exitCode = code; },
  async (err: unknown) => {
    await stopAllChildren();
    process.stderr.write(`plan benchmark FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
