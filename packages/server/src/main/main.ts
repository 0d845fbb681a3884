/** `npm start`: runs Kiln on its embedded defaults (SQLite, local store) until SIGINT/SIGTERM. */
import { loadConfig } from '../config.ts';
import { KilnError } from '../errors/errors.ts';
import { runServer } from './run-server.ts';

try {
  await runServer(loadConfig());
} catch (err) {
  const msg = err instanceof KilnError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`kiln: cannot start: ${msg}\n`);
  process.exit(1);
}
