/**
 * The connection every API command uses: `--api-key`/`--api-url`, falling back to KILN_API_KEY and
 * KILN_API_URL; and the translation of the SDK's errors into one clear message and exit code.
 */
import { AuthenticationError, ConnectionError, KilnError, type ConnectionOptions } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';

/** Where the server is, the address `kiln serve` listens on by default. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** The connection flags every API command takes. */
export interface ClientFlags {
  apiKey?: string;
  apiUrl?: string;
}

/** A resolved connection: both fields set. */
export interface Connection extends ConnectionOptions {
  apiKey: string;
  apiUrl: string;
}

/** The connection of `flags`, with the environment's fallbacks; a usage error when there is no key. */
export function connection(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const apiUrl = (flags.apiUrl || env.KILN_API_URL || DEFAULT_API_URL).replace(/\/+$/, '');
  const apiKey = flags.apiKey || env.KILN_API_KEY;
  if (!apiKey) {
    throw new CliError('no API key: set KILN_API_KEY or pass --api-key (the server prints a key on its first start)', EXIT.auth);
  }
  return { apiKey, apiUrl };
}

/** The network reason of a failed connection (ECONNREFUSED, ENOTFOUND, …), when there is one. */
function networkReason(err: unknown): string | undefined {
  for (let e = err as { cause?: unknown; code?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** The CLI error for anything an API call threw: a message that says what to do, and its exit code. */
export function apiFailure(err: unknown, conn: Connection): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof ConnectionError) {
    const reason = networkReason(err);
    return new CliError(`no Kiln server at ${conn.apiUrl}${reason ? ` (${reason})` : ''}: start one with \`kiln serve\`, or point --api-url or KILN_API_URL at a running one`, EXIT.unreachable);
  }
  if (err instanceof AuthenticationError) {
    return new CliError(`the server at ${conn.apiUrl} refused the API key (${err.code}: ${err.message}); check --api-key or KILN_API_KEY`, EXIT.auth);
  }
  if (err instanceof KilnError) {
    const lines = [`${err.code}: ${err.message}`];
    for (const p of err.problems) {
      if (p.message === err.message && p.code === err.code) continue;
      const where = [p.line !== undefined ? `line ${p.line}` : '', p.field ?? ''].filter(Boolean).join(', ');
      lines.push(`  ${p.code}${where ? ` (${where})` : ''}: ${p.message}`);
    }
    return new CliError(lines.join('\n'), EXIT.api);
  }
  return err;
}

/** Runs `fn` with the connection of `flags`; whatever it throws becomes a CLI error. */
export async function withClient<T>(flags: ClientFlags, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = connection(flags);
  try {
    return await fn(conn);
  } catch (err) {
    throw apiFailure(err, conn);
  }
}
