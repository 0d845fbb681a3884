/**
 * Kiln's side of the build benchmark: a real Kiln server process on a data directory holding the
 * builtin Debian base, and builds timed from the moment the client sends `POST /v1/templates/builds`
 * to the moment it receives the build's `end` log entry over `GET …/logs?follow=true` (the entry is
 * written after the build is marked ready, so this is the later of the two).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { BuildahHost } from '../../packages/server/src/build/buildah/buildah-host.ts';
import { removeContainersWithPrefix } from '../../packages/server/src/build/runc/runc-container.ts';
import { installDebianBase } from '../../test/fixtures/builtin-debian.ts';
import { KEY_A } from '../../test/fixtures/kiln-server.ts';
import { startKilnProcess, type KilnProcess } from '../../test/fixtures/kiln-process.ts';
import { openSse } from '../../test/fixtures/read-sse.ts';
import { BENCH_BASE, EXPECTED_FILES } from './bench-steps.ts';
import { unmountBelow } from './mounts.ts';
import { phaseDurations, type TimedEntry } from './phase-times.ts';

/** A log entry as the stream sends it (the fields the benchmark reads). */
export interface StreamedEntry extends TimedEntry {
  kind: string;
  message: string;
  result?: string;
  cache_kind?: string;
  cache_status?: string;
}

/** One timed build. */
export interface KilnRun {
  buildId: string;
  /** From sending the POST to receiving the `end` entry, measured by the client. */
  wallMs: number;
  /** From sending the POST to its 202 answer. */
  postMs: number;
  /** From sending the POST to the server's timestamp of the build's first log entry (the answer, then waiting in the queue). */
  queuedMs: number;
  /** The build's own `duration_ms` (from `started_at` to `finished_at`). */
  durationMs: number | null;
  status: string;
  /** Milliseconds per phase, from the log's timestamps. */
  phases: Record<string, number>;
  cacheSummary: Record<string, number>;
  /** The log: milliseconds since its first entry, phase and message (shortened) of each entry. */
  timeline: [number, string, string][];
}

/** A Kiln server started for the benchmark, with its own data directory. */
export interface BenchServer {
  kiln: KilnProcess;
  dataDir: string;
  /** The ids of every build it ran (to find what they left behind). */
  buildIds: string[];
  stop(): Promise<void>;
}

/** Starts Kiln (embedded worker) on a new data directory under `workDir` that holds `kiln/debian:bookworm`. */
export async function startBenchServer(workDir: string): Promise<BenchServer> {
  const dataDir = await mkdtemp(path.join(workDir, 'kiln-data-'));
  try {
    await installDebianBase(dataDir);
    const kiln = await startKilnProcess(dataDir);
    const server: BenchServer = {
      kiln, dataDir, buildIds: [],
      async stop() {
        await kiln.stop();
        await removeLeftovers(server);
      },
    };
    return server;
  } catch (err) {
    await unmountBelow(dataDir);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Removes what the server's builds may have left once it has stopped: their runc containers
 * (`kiln-<build_id>-…` in /run/kiln-runc), mounts below the data directory, the links through
 * which its buildah read the image store, and the data directory itself.
 */
async function removeLeftovers(server: BenchServer): Promise<void> {
  for (const id of server.buildIds) await removeContainersWithPrefix(`kiln-${id}-`);
  await unmountBelow(server.dataDir);
  await rm(await new BuildahHost(server.dataDir).linkDir(), { recursive: true, force: true }).catch(() => undefined);
  await rm(server.dataDir, { recursive: true, force: true });
}

/** Starts a build and follows its log to the `end` entry; throws unless it ends `ready`. */
export async function timedBuild(server: BenchServer, body: Record<string, unknown>, timeoutMs: number): Promise<KilnRun> {
  const { kiln } = server;
  const auth = { authorization: `Bearer ${KEY_A}` };
  const t0 = performance.now();
  const postedAt = Date.now();
  const res = await fetch(`${kiln.url}/v1/templates/builds`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const postMs = performance.now() - t0;
  const text = await res.text();
  if (res.status !== 202) throw new Error(`POST /v1/templates/builds answered ${res.status}: ${text.slice(0, 2000)}`);
  const buildId = (JSON.parse(text) as { build_id: string }).build_id;
  server.buildIds.push(buildId);
  const stream = await openSse(`${kiln.url}/v1/templates/builds/${buildId}/logs?follow=true`, auth, { timeoutMs });
  if (stream.status !== 200) throw new Error(`GET …/logs answered ${stream.status}: ${stream.errorText}`);
  const entries: StreamedEntry[] = [];
  let wallMs = Number.NaN;
  for await (const frame of stream.frames) {
    if (frame.event !== 'log' || frame.data === undefined) continue;
    const entry = JSON.parse(frame.data) as StreamedEntry;
    entries.push(entry);
    if (entry.kind === 'end') {
      wallMs = performance.now() - t0;
      stream.close();
      break;
    }
  }
  const end = entries.at(-1);
  if (end?.kind !== 'end') throw new Error(`build ${buildId}: the log stream closed before its end entry`);
  const got = await kiln.request('GET', `/v1/templates/builds/${buildId}?limit=1`);
  const build = got.body as { status: string; duration_ms: number | null; cache_summary: Record<string, number>; error_detail?: unknown };
  if (end.result !== 'ready' || build.status !== 'ready') {
    const tail = entries.slice(-15).map((e) => e.message).join('\n  ');
    throw new Error(`build ${buildId} ended ${build.status}: ${JSON.stringify(build.error_detail)}\n  ${tail}`);
  }
  return {
    buildId, wallMs, postMs, queuedMs: Date.parse(entries[0].timestamp) - postedAt, durationMs: build.duration_ms,
    status: build.status, phases: phaseDurations(entries), cacheSummary: build.cache_summary, timeline: timeline(entries),
  };
}

/** Each entry's time since the first, its phase and the start of its message. */
function timeline(entries: StreamedEntry[]): [number, string, string][] {
  const t0 = Date.parse(entries[0]?.timestamp ?? '');
  return entries.map((e) => [Date.parse(e.timestamp) - t0, e.phase ?? e.kind, e.message.slice(0, 160)]);
}

/** The request body of a native build of `steps` (no network, as the peer's `--network none`). */
export function nativeBody(name: string, steps: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, base_image: BENCH_BASE, steps, build_config: { internet_access: false }, ...extra };
}

/** The request body of a Dockerfile build (buildkit backend, no network). */
export function dockerfileBody(name: string, dockerfile: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, dockerfile, build_backend: 'buildkit', build_config: { internet_access: false }, ...extra };
}

/** Throws unless the build's root filesystem (`GET …/artifact?format=tar`, as a user reads it) holds {@link EXPECTED_FILES}. */
export async function checkKilnRootfs(server: BenchServer, buildId: string): Promise<void> {
  const res = await fetch(`${server.kiln.url}/v1/templates/builds/${buildId}/artifact?format=tar`, { headers: { authorization: `Bearer ${KEY_A}` } });
  if (res.status !== 200 || !res.body) throw new Error(`GET …/artifact?format=tar of ${buildId} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  const found = new Map<string, string>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.?\/+/, '');
    const chunks: Buffer[] = [];
    if (name in EXPECTED_FILES) stream.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    stream.on('end', () => {
      if (name in EXPECTED_FILES) found.set(name, Buffer.concat(chunks).toString('utf8'));
      next();
    });
    stream.resume();
  });
  await pipeline(Readable.fromWeb(res.body as never), extract);
  for (const [file, content] of Object.entries(EXPECTED_FILES)) {
    const got = found.get(file);
    if (got !== content) throw new Error(`build ${buildId}: /${file} holds ${JSON.stringify(got?.slice(0, 200) ?? '(missing)')}, not ${JSON.stringify(content)}`);
  }
}
