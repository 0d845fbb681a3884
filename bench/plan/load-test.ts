/**
 * HTTP load through autocannon, run as its own process (so that on a 2-core machine the load
 * generator and the server under test each have a core), with its JSON report parsed.
 */
import { createRequire } from 'node:module';
import { runNode } from './child-processes.ts';

/** One load run's settings. */
export interface LoadOptions {
  /** Full URL, e.g. http://127.0.0.1:4567/v1/templates/plan. */
  url: string;
  /** File holding the JSON request body. */
  bodyFile: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  connections: number;
  durationS: number;
  /** Replace `[<id>]` in the body with a fresh id on every request (autocannon's -I). */
  idReplacement?: boolean;
}

/** What one load run measured. */
export interface LoadResult {
  /** Mean of autocannon's per-second request counts. */
  requestsPerSec: number;
  requestsPerSecStddev: number;
  /** Responses counted over the whole run. */
  total: number;
  durationS: number;
  latencyMeanMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Responses by HTTP status. */
  statusCodes: Record<string, number>;
}

interface AutocannonReport {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { average: number; p50: number; p99: number; max: number };
  requests: { average: number; stddev: number; total: number };
}

const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon');

/** Runs autocannon against `opts.url` and returns its figures; throws if it fails or prints no report. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const args = [
    AUTOCANNON_CLI, '--json', '--no-progress',
    '--connections', String(opts.connections), '--duration', String(opts.durationS),
    '--method', 'POST', '--input', opts.bodyFile, '--headers', 'content-type=application/json',
  ];
  if (opts.apiKey) args.push('--headers', `authorization=Bearer ${opts.apiKey}`);
  if (opts.idReplacement) args.push('--idReplacement');
  args.push(opts.url);
  const run = await runNode(args, (opts.durationS + 20) * 1000);
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (run.code !== 0 || !line) {
    throw new Error(`autocannon exited (${run.signal ?? run.code}) without a report: ${run.stderr.slice(-2000)}`);
  }
  const report = JSON.parse(line) as AutocannonReport;
  const statusCodes: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(report.statusCodeStats ?? {})) statusCodes[status] = count;
  return {
    requestsPerSec: report.requests.average,
    requestsPerSecStddev: report.requests.stddev,
    total: report.requests.total,
    durationS: report.duration,
    latencyMeanMs: report.latency.average,
    latencyP50Ms: report.latency.p50,
    latencyP99Ms: report.latency.p99,
    latencyMaxMs: report.latency.max,
    non2xx: report.non2xx,
    errors: report.errors,
    timeouts: report.timeouts,
    statusCodes,
  };
}

/** Throws, naming the run, unless every response was a 200 and nothing failed or timed out. */
export function assertAllOk(label: string, r: LoadResult): void {
  const other = Object.entries(r.statusCodes).filter(([status]) => status !== '200');
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || other.length > 0 || r.total === 0) {
    throw new Error(`${label}: not every response was 200: ${r.total} responses, non-2xx ${r.non2xx}, ` +
      `errors ${r.errors}, timeouts ${r.timeouts}, statuses ${JSON.stringify(r.statusCodes)}`);
  }
}
