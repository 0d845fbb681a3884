/**
 * In-process timing of the Dockerfile front end: `analyzeDockerfile` against a bare
 * dockerfile-ast parse of the same texts, as the median per-call time over several rounds.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { analyzeDockerfile } from '../../packages/server/src/dockerfile/analyze-dockerfile.ts';
import { variantDockerfile } from './fixture-dockerfile.ts';

/** Texts cycled through per measurement: more than any parse cache in front of the analyser keeps. */
export const VARIANT_COUNT = 256;

/** Per-call times of one round, in microseconds of wall time (and of the process's CPU time). */
export interface MicroRound {
  parseUs: number;
  analyzeUs: number;
  analyzeRepeatUs: number;
  parseCpuUs: number;
  analyzeCpuUs: number;
}

/** The result of {@link runMicroBench}. */
export interface MicroResult {
  /** Median over rounds of a bare `DockerfileParser.parse` call, in microseconds. */
  parseUs: number;
  /** Median over rounds of an `analyzeDockerfile` call on a text it has not seen recently. */
  analyzeUs: number;
  /** Median over rounds of an `analyzeDockerfile` call on the same text again (parse caches may hit). */
  analyzeRepeatUs: number;
  /** analyzeUs / parseUs. */
  ratio: number;
  /** The same ratio from the medians of process CPU time (less sensitive to the machine being busy). */
  cpuRatio: number;
  /** Smallest and largest ratio of any single round. */
  ratioRange: [number, number];
  rounds: MicroRound[];
  iterationsPerRound: number;
  warmupIterations: number;
}

/** Options of {@link runMicroBench}. */
export interface MicroOptions {
  rounds: number;
  /** Target wall time of each measured function in one round, in milliseconds. */
  roundMs: number;
  warmupIterations: number;
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

let sink = 0;

interface Timing { wallUs: number; cpuUs: number }

function timePerCall(iterations: number, call: (i: number) => number): Timing {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += call(i);
  const wallUs = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  const used = process.cpuUsage(cpu);
  return { wallUs, cpuUs: (used.user + used.system) / iterations };
}

/** Times bare parse, cold analysis and repeated analysis of `text` (and variants of it that differ only in a comment). */
export function runMicroBench(text: string, opts: MicroOptions): MicroResult {
  const variants = Array.from({ length: VARIANT_COUNT }, (_, i) => variantDockerfile(text, `v${String(i).padStart(4, '0')}`));
  const check = analyzeDockerfile(text);
  if (check.errors.length > 0) throw new Error(`the fixture does not analyse cleanly: ${JSON.stringify(check.errors)}`);

  const parse = (i: number) => DockerfileParser.parse(variants[i % VARIANT_COUNT]).getInstructions().length;
  const analyze = (i: number) => analyzeDockerfile(variants[i % VARIANT_COUNT]).plan.build_steps.length;
  const analyzeRepeat = () => analyzeDockerfile(text).plan.build_steps.length;

  const slowest = Math.max(...[parse, analyze, analyzeRepeat].map((call) => timePerCall(opts.warmupIterations, call).wallUs));
  const iterations = Math.max(VARIANT_COUNT, Math.round((opts.roundMs * 1000) / slowest / VARIANT_COUNT) * VARIANT_COUNT);

  const rounds: MicroRound[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    // Alternate the order so that drift within a round does not favour one side.
    const order = r % 2 === 0 ? [parse, analyze, analyzeRepeat] : [analyzeRepeat, analyze, parse];
    const [first, second, third] = order.map((call) => timePerCall(iterations, call));
    const [p, a, ar] = r % 2 === 0 ? [first, second, third] : [third, second, first];
    rounds.push({ parseUs: p.wallUs, analyzeUs: a.wallUs, analyzeRepeatUs: ar.wallUs, parseCpuUs: p.cpuUs, analyzeCpuUs: a.cpuUs });
  }
  if (sink === 0) throw new Error('the measured calls returned nothing');
  const ratios = rounds.map((r) => r.analyzeUs / r.parseUs);
  const parseUs = median(rounds.map((r) => r.parseUs));
  const analyzeUs = median(rounds.map((r) => r.analyzeUs));
  return {
    parseUs, analyzeUs, analyzeRepeatUs: median(rounds.map((r) => r.analyzeRepeatUs)),
    ratio: analyzeUs / parseUs,
    cpuRatio: median(rounds.map((r) => r.analyzeCpuUs)) / median(rounds.map((r) => r.parseCpuUs)),
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    rounds, iterationsPerRound: iterations, warmupIterations: opts.warmupIterations,
  };
}
