/**
 * The HTTP half of the plan benchmark: a real Kiln server (SQLite in a temporary directory)
 * and a bare Fastify "floor" server, each in its own process, loaded in turn by autocannon.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstJsonLine, spawnNode, stopChild } from './child-processes.ts';
import { uploadContext } from './context-archive.ts';
import { fixtureContextFiles, variantDockerfile } from './fixture-dockerfile.ts';
import { assertAllOk, runLoad, type LoadResult } from './load-test.ts';
import { cpuShares, cpuTicks, processCpuMs } from './machine-info.ts';
import type { TargetReady } from './target-server.ts';

/** Settings of the HTTP runs. */
export interface HttpOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  /** Write a V8 CPU profile of the Kiln server process into this directory. */
  profileDir?: string;
}

/** One measured load run with the machine's CPU shares during it and the server's CPU time per response. */
export interface MeasuredRun extends LoadResult {
  busyPct: number;
  stealPct: number;
  /** CPU time (user + system, all threads) the server process used per response, in microseconds. */
  serverCpuUsPerRequest: number | null;
}

/** Results of {@link runHttpBench}. */
export interface HttpResult {
  /** Kiln, the same request body every time (the shape of the goal). */
  kiln: MeasuredRun;
  /** Kiln, the Dockerfile's comment line made unique per request, so no cache can answer. */
  kilnUnique: MeasuredRun;
  /** Bare Fastify answering the same route with Kiln's response, after parsing the same body. */
  floor: MeasuredRun;
  requestBytes: number;
  responseBytes: number;
}

const TARGET = fileURLToPath(new URL('./target-server.ts', import.meta.url));
const TENANT = 'bench';

async function measured(label: string, serverPid: number | undefined, run: () => Promise<LoadResult>): Promise<MeasuredRun> {
  const before = cpuTicks();
  const serverBefore = serverPid === undefined ? undefined : processCpuMs(serverPid);
  const result = await run();
  const serverAfter = serverPid === undefined ? undefined : processCpuMs(serverPid);
  assertAllOk(label, result);
  const serverCpuUsPerRequest = serverBefore === undefined || serverAfter === undefined
    ? null : Math.round(((serverAfter - serverBefore) * 1000) / result.total);
  return { ...result, ...cpuShares(before, cpuTicks()), serverCpuUsPerRequest };
}

async function startTarget(args: string[], env: Record<string, string> = {}) {
  const child = spawnNode(args, env);
  try {
    const ready = await firstJsonLine<TargetReady>(child, 30_000);
    return { child, url: ready.url };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

async function planOnce(url: string, apiKey: string, body: string): Promise<string> {
  const res = await fetch(`${url}/v1/templates/plan`, {
    method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`the plan request answered ${res.status}: ${text.slice(0, 1000)}`);
  return text;
}

/** Runs Kiln and then the floor server under load with the Dockerfile `text`; stops both and removes its files, even on failure. */
export async function runHttpBench(text: string, opts: HttpOptions): Promise<HttpResult> {
  const work = await mkdtemp(path.join(tmpdir(), 'kiln-bench-plan-'));
  const dataDir = path.join(work, 'data');
  const apiKey = randomBytes(24).toString('base64url');
  const stopping: Array<() => Promise<void>> = [];
  try {
    const nodeFlags = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [];
    const kiln = await startTarget([...nodeFlags, TARGET, 'kiln', dataDir], { BENCH_API_KEYS: `${apiKey}=${TENANT}` });
    stopping.push(() => stopChild(kiln.child));
    const contextId = await uploadContext(kiln.url, apiKey, fixtureContextFiles());
    const bodyOf = (dockerfile: string) => JSON.stringify({ name: 'plan-bench', dockerfile, build_context: { context_manifest_id: contextId } });
    const body = bodyOf(text);
    const uniqueBody = bodyOf(variantDockerfile(text, '[<id>]'));
    const bodyFile = path.join(work, 'body.json');
    const uniqueFile = path.join(work, 'body-unique.json');
    const responseFile = path.join(work, 'response.json');
    const response = await planOnce(kiln.url, apiKey, body);
    await planOnce(kiln.url, apiKey, uniqueBody.replace('[<id>]', 'check'));
    await writeFile(bodyFile, body);
    await writeFile(uniqueFile, uniqueBody);
    await writeFile(responseFile, response);

    const load = { url: `${kiln.url}/v1/templates/plan`, apiKey, connections: opts.connections };
    await measured('Kiln warm-up', kiln.child.pid, () => runLoad({ ...load, bodyFile, durationS: opts.warmupS }));
    const kilnRun = await measured('Kiln plan', kiln.child.pid, () => runLoad({ ...load, bodyFile, durationS: opts.durationS }));
    const uniqueRun = await measured('Kiln plan, unique bodies', kiln.child.pid, () => runLoad({ ...load, bodyFile: uniqueFile, durationS: opts.durationS, idReplacement: true }));
    await stopping.pop()!();

    const floor = await startTarget([TARGET, 'floor', responseFile]);
    stopping.push(() => stopChild(floor.child));
    const floorLoad = { url: `${floor.url}/v1/templates/plan`, apiKey, connections: opts.connections, bodyFile };
    await measured('floor warm-up', floor.child.pid, () => runLoad({ ...floorLoad, durationS: opts.warmupS }));
    const floorRun = await measured('floor', floor.child.pid, () => runLoad({ ...floorLoad, durationS: opts.durationS }));
    await stopping.pop()!();

    return {
      kiln: kilnRun, kilnUnique: uniqueRun, floor: floorRun,
      requestBytes: Buffer.byteLength(body), responseBytes: Buffer.byteLength(response),
    };
  } finally {
    for (const stop of stopping.reverse()) await stop();
    await rm(work, { recursive: true, force: true });
  }
}
