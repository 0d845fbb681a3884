/**
 * HTTP for the registry client: node:http and node:https over pooled keep-alive agents (extra
 * CA certificates, timeouts without progress), retries with exponential backoff and jitter on
 * 429/5xx and transient network errors, and redirects followed by hand so that `Authorization`
 * never reaches another origin.
 */
import type { IncomingMessage } from 'node:http';
import { rootCertificates } from 'node:tls';
import { KilnError } from '../../errors/errors.ts';
import { describeNetworkError, isRetryableNetworkError, NETWORK_TIMEOUT } from './network-errors.ts';
import { registryUnreachable } from './registry-errors.ts';

// Taken as CommonJS builtins: an ESM import of node:http evaluates all of its exports, and one of
// them loads Node's bundled fetch implementation (about 10 MB and 20 ms) that Kiln does not use.
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

/** One request: method, lower-case header names, optional form body. */
export interface SendInit {
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/** Transport settings (see RegistryClientOptions). */
export interface TransportOptions {
  caCerts?: string[];
  retries?: number;
  timeoutMs?: number;
  retryDelayMs?: number;
}

/** A response as the registry client reads it: status, headers, and the body as a byte stream. */
export interface RegistryResponse {
  status: number;
  /** Status 200 to 299. */
  ok: boolean;
  headers: { get(name: string): string | null };
  /** The body (an async iterable of Buffers); read it, or {@link discard} it. */
  body: IncomingMessage;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
const MAX_DELAY_MS = 10_000;
/** A body this small is read to its end when discarded, so that its connection can be reused. */
const DRAIN_LIMIT = 64 * 1024;

/** Releases a response's connection without reading what is left of its body. */
export async function discard(res: RegistryResponse): Promise<void> {
  const body = res.body;
  if (body.readableEnded || body.destroyed) return;
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (body.complete || (Number.isFinite(declared) && declared <= DRAIN_LIMIT)) {
    body.on('error', () => undefined);
    body.resume();
    return;
  }
  body.destroy();
}

/** Reads a whole body, refusing more than `limit` bytes with the error `tooLarge` builds. */
export async function readLimited(res: RegistryResponse, limit: number, tooLarge: () => KilnError): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await discard(res);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      await discard(res);
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** An error of the transport's own timeouts, classified by network-errors.ts. */
function timeoutError(code: string, what: string): Error {
  return Object.assign(new Error(what), { code });
}

/** Wraps a node:http response. */
function wrap(msg: IncomingMessage): RegistryResponse {
  const status = msg.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      get(name: string): string | null {
        const v = msg.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    body: msg,
  };
}

/** Pooled HTTP with retries and safe redirects, shared by every request of one registry client. */
export class RegistryTransport {
  /** Attempts per request (at least 1). */
  readonly retries: number;
  /** Milliseconds a request may go without progress. */
  readonly timeoutMs: number;
  private readonly delayMs: number;
  private readonly httpAgent: InstanceType<typeof http.Agent>;
  private readonly httpsAgent: InstanceType<typeof https.Agent>;

  constructor(opts: TransportOptions = {}) {
    this.retries = Math.max(1, opts.retries ?? 4);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.delayMs = opts.retryDelayMs ?? 250;
    const ca = opts.caCerts?.length ? [...rootCertificates, ...opts.caCerts] : undefined;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32, ...(ca ? { ca } : {}) });
  }

  /** Waits before retry number `attempt` (1-based): exponential, with jitter, honouring a short Retry-After. */
  async backoff(attempt: number, retryAfter?: string | null): Promise<void> {
    const base = Math.min(MAX_DELAY_MS, this.delayMs * 2 ** (attempt - 1));
    let ms = base / 2 + Math.random() * base / 2;
    const after = Number(retryAfter);
    if (retryAfter && Number.isFinite(after) && after >= 0) ms = Math.min(MAX_DELAY_MS, Math.max(ms, after * 1000));
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Sends a request with retries; throws `registry_unreachable` (naming `registry`) once they run out. */
  async send(url: string | URL, init: SendInit, registry: string): Promise<RegistryResponse> {
    for (let attempt = 1; ; attempt++) {
      let res: RegistryResponse;
      try {
        res = await this.fetchFollowing(new URL(url), init, registry);
      } catch (e) {
        if (e instanceof KilnError) throw e;
        if (isRetryableNetworkError(e) && attempt < this.retries) {
          await this.backoff(attempt);
          continue;
        }
        const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        throw registryUnreachable(registry, `${describeNetworkError(e, this.timeoutMs)}${tries}`);
      }
      if (!RETRY_STATUS.has(res.status)) return res;
      await discard(res);
      if (attempt >= this.retries) {
        throw registryUnreachable(registry, `it answered HTTP ${res.status} to ${attempt} attempts in a row`);
      }
      await this.backoff(attempt, res.headers.get('retry-after'));
    }
  }

  /** One request, following redirects; `authorization` is dropped as soon as a redirect leaves the origin. */
  private async fetchFollowing(start: URL, init: SendInit, registry: string): Promise<RegistryResponse> {
    let url = start;
    let method = init.method ?? 'GET';
    let body = init.body;
    const headers = { ...init.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.request(url, method, headers, body);
      if (!REDIRECT_STATUS.has(res.status)) return res;
      const location = res.headers.get('location');
      await discard(res);
      if (!location) throw registryUnreachable(registry, `it answered HTTP ${res.status} without a Location`);
      if (hop >= MAX_REDIRECTS) throw registryUnreachable(registry, `more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw registryUnreachable(registry, `it redirected to an unsupported ${next.protocol} URL`);
      }
      if (next.origin !== url.origin) delete headers.authorization;
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
      }
      url = next;
    }
  }

  /**
   * One HTTP exchange. The timeout counts time without progress: connecting, waiting for the
   * response head, and waiting for body bytes while the reader is waiting for them (a reader
   * that is behind, with bytes buffered, does not count as a stalled transfer).
   */
  private request(url: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<RegistryResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`unsupported protocol ${url.protocol}`));
    const secure = url.protocol === 'https:';
    const all: Record<string, string> = { 'user-agent': 'kiln', ...headers };
    if (body !== undefined) all['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      let response: IncomingMessage | undefined;
      const req = (secure ? https : http).request(url, { method, headers: all, agent: secure ? this.httpsAgent : this.httpAgent }, (msg) => {
        response = msg;
        resolve(wrap(msg));
      });
      req.on('error', (err) => {
        if (response) response.destroy(err);
        else reject(err);
      });
      req.setTimeout(this.timeoutMs, () => {
        if (response) {
          if (response.readableEnded || response.destroyed) return;
          if (response.readableLength > 0) {
            req.setTimeout(this.timeoutMs);
            return;
          }
          const err = timeoutError(NETWORK_TIMEOUT.body, 'the transfer stalled');
          response.destroy(err);
          req.destroy(err);
          return;
        }
        const connecting = req.socket?.connecting ?? true;
        req.destroy(connecting ? timeoutError(NETWORK_TIMEOUT.connect, 'connect timeout') : timeoutError(NETWORK_TIMEOUT.headers, 'no response'));
      });
      req.end(body);
    });
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
