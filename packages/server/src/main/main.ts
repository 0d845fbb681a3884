/** `npm start`: runs Kiln on its embedded defaults (SQLite, local store) until SIGINT/SIGTERM. */
import { loadConfig } from '../config.ts';
import { KilnError } from '../errors/errors.ts';
import { startServer } from './server.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  if (server.generatedKey) {
    process.stdout.write(
      `\nKiln created an API key for tenant "default". It is shown only this once; keep it:\n\n  ${server.generatedKey}\n\n` +
      `Use it as: curl -H "Authorization: Bearer ${server.generatedKey}" ${server.url}/v1/...\n\n`);
  }
  process.stdout.write(`Kiln listening on ${server.url} (data in ${config.dataDir}; API docs at ${server.url}/docs)\n`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const msg = err instanceof KilnError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`kiln: cannot start: ${msg}\n`);
  process.exit(1);
});
