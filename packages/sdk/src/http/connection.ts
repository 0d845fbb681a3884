/** Connection options: where the Kiln server is and the API key to present, with environment fallbacks. */

/** How to reach a Kiln server; every static SDK call and `connect` take these as their last argument. */
export interface ConnectionOptions {
  /** API key (`Authorization: Bearer …`); defaults to the `KILN_API_KEY` environment variable. */
  apiKey?: string;
  /** Base URL of the server, such as `http://127.0.0.1:8080`; defaults to `KILN_API_URL`, then `http://127.0.0.1:8080`. */
  apiUrl?: string;
  /** The fetch to use (default: the global one), for proxies, tests or instrumentation. */
  fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

/** Connection options with the fallbacks applied. */
export interface ResolvedConnection {
  apiKey: string | undefined;
  apiUrl: string;
  fetch: typeof fetch;
  headers: Record<string, string>;
}

/** The server address used when neither `apiUrl` nor `KILN_API_URL` is given (where `npm start` listens). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** Applies the fallbacks: `KILN_API_KEY`, `KILN_API_URL`, the default URL and the global fetch. */
export function resolveConnection(opts: ConnectionOptions = {}, env: Record<string, string | undefined> = process.env): ResolvedConnection {
  const apiUrl = (opts.apiUrl ?? env.KILN_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const apiKey = opts.apiKey ?? (env.KILN_API_KEY || undefined);
  return { apiKey, apiUrl, fetch: opts.fetch ?? globalThis.fetch, headers: { ...opts.headers } };
}

/** Only the connection fields of a larger options object, so they can be passed on. */
export function connectionOf(opts: ConnectionOptions = {}): ConnectionOptions {
  const { apiKey, apiUrl, fetch, headers } = opts;
  return { apiKey, apiUrl, fetch, headers };
}
