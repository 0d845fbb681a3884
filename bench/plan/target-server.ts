/**
 * A server under load, run as its own process by the plan benchmark:
 *   node bench/plan/target-server.ts kiln <data-dir>        (key=tenant pairs in BENCH_API_KEYS)
 *   node bench/plan/target-server.ts floor <response.json>
 * `kiln` is the real Kiln server over SQLite in <data-dir>; `floor` is a bare Fastify app that
 * answers POST /v1/templates/plan with a fixed response, after the same JSON body parsing.
 * It prints one JSON line `{"url": …}` when it listens, and closes and exits on SIGTERM,
 * SIGINT or when its standard input ends (the benchmark that started it is gone).
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { loadConfig } from '../../packages/server/src/config.ts';
import { startServer } from '../../packages/server/src/main/server.ts';

/** The JSON line a target prints once it listens. */
export interface TargetReady {
  url: string;
}

async function startKilnTarget(dataDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig({
    KILN_DATA_DIR: dataDir, KILN_PORT: '0', KILN_HOST: '127.0.0.1',
    KILN_API_KEYS: process.env.BENCH_API_KEYS ?? '', KILN_LOG_LEVEL: 'error',
  });
  const server = await startServer(config, { logger: false });
  return { url: server.url, close: () => server.close() };
}

async function startFloorTarget(responseFile: string): Promise<{ url: string; close(): Promise<void> }> {
  const response: unknown = JSON.parse(readFileSync(responseFile, 'utf8'));
  const app = Fastify({ logger: false });
  app.post('/v1/templates/plan', async () => response);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

async function main(): Promise<void> {
  const [kind, arg] = process.argv.slice(2);
  if ((kind !== 'kiln' && kind !== 'floor') || !arg) {
    process.stderr.write('usage: target-server.ts kiln <data-dir> | floor <response.json>\n');
    process.exit(2);
  }
  const target = kind === 'kiln' ? await startKilnTarget(arg) : await startFloorTarget(arg);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    target.close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`close failed: ${String(err)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  const ready: TargetReady = { url: target.url };
  process.stdout.write(JSON.stringify(ready) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`target failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
