/**
 * The SDK's HTTP client over fetch: JSON requests with the API key, streamed uploads, and raw
 * responses for Server-Sent Events; every non-2xx answer becomes the error class of its code.
 */
import { AuthenticationError, ConnectionError, errorFromResponse } from '../errors.ts';
import { resolveConnection, type ConnectionOptions, type ResolvedConnection } from './connection.ts';

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** A request's options. */
export interface RequestOptions {
  /** JSON body (sent with `content-type: application/json`). */
  json?: unknown;
  /** Raw body with its content type; an async iterable is streamed. */
  raw?: { body: Uint8Array | AsyncIterable<Uint8Array>; contentType: string };
  query?: Query;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The network-level reason of a failed fetch (ECONNREFUSED, ENOTFOUND, …), when there is one. */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** A ReadableStream over an async iterable of bytes (what fetch streams as a request body). */
function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await it.return?.(reason);
    },
  });
}

/** Talks to one Kiln server with one API key. */
export class KilnClient {
  /** The connection in use, fallbacks applied. */
  readonly connection: ResolvedConnection;

  /** A client for `opts` (`apiKey`, `apiUrl`), falling back to `KILN_API_KEY` and `KILN_API_URL`. */
  constructor(opts: ConnectionOptions = {}) {
    this.connection = resolveConnection(opts);
  }

  /** The absolute URL of an API path with its query. */
  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.connection.apiUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Sends a request and returns the response when it is 2xx; otherwise throws the error class of its code. */
  async fetch(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const { apiKey, apiUrl } = this.connection;
    if (!apiKey) {
      throw new AuthenticationError('No Kiln API key: pass { apiKey } or set KILN_API_KEY (the server prints a key on its first start).', { code: 'unauthorized' });
    }
    const headers: Record<string, string> = { ...this.connection.headers, ...opts.headers, authorization: `Bearer ${apiKey}` };
    let body: RequestInit['body'];
    let duplex: 'half' | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.raw) {
      headers['content-type'] = opts.raw.contentType;
      if (opts.raw.body instanceof Uint8Array) {
        body = opts.raw.body;
      } else {
        body = streamOf(opts.raw.body);
        duplex = 'half';
      }
    }
    let res: Response;
    try {
      res = await this.connection.fetch(this.url(path, opts.query), { method, headers, body, signal: opts.signal, ...(duplex ? { duplex } : {}) } as RequestInit);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      throw new ConnectionError(`Cannot reach Kiln at ${apiUrl} (${reasonOf(err)}): is the server running? Set apiUrl or KILN_API_URL to its address.`, { code: 'connection_failed', cause: err });
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    throw errorFromResponse(res.status, text, res.headers, `${method} ${path}`);
  }

  /** Sends a request and parses the JSON answer. */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(method, path, opts);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** Encodes one path segment (a build id or template ref) for a URL. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
