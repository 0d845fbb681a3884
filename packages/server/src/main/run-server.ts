/** Runs the server in the foreground: prints where it listens (and a first-start key), stops on SIGINT/SIGTERM. */
import type { Config } from '../config.ts';
import { startServer } from './server.ts';

/** Starts Kiln and keeps it running until the process is asked to stop. */
export async function runServer(config: Config): Promise<void> {
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
