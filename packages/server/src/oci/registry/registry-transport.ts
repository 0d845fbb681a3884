/**
 * HTTP for the registry client: undici `fetch` over one pooled `Agent` (extra CA certificates,
 * timeouts without progress), retries with exponential backoff and jitter on 429/5xx and
 * transient network errors, and redirects followed by hand so that `Authorization` never
 * reaches another origin.
 */
import { rootCertificates } from 'node:tls';
import { Agent, fetch, type Response } from 'undici';
import { KilnError } from '../../errors/errors.ts';
import { describeNetworkError, isRetryableNetworkError } from './network-errors.ts';
import { registryUnreachable } from './registry-errors.ts';

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

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
const MAX_DELAY_MS = 10_000;

/** Releases a response's connection without reading what is left of its body. */
export async function discard(res: Response): Promise<void> {
  try { await res.body?.cancel(); } catch { /* already closed */ }
}

/** Reads a whole body, refusing more than `limit` bytes with the error `tooLarge` builds. */
export async function readLimited(res: Response, limit: number, tooLarge: () => KilnError): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await discard(res);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      total += chunk.length;
      if (total > limit) {
        await discard(res);
        throw tooLarge();
      }
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks, total);
}

/** Pooled HTTP with retries and safe redirects, shared by every request of one registry client. */
export class RegistryTransport {
  /** Attempts per request (at least 1). */
  readonly retries: number;
  /** Milliseconds a request may go without progress. */
  readonly timeoutMs: number;
  private readonly delayMs: number;
  private readonly agent: Agent;

  constructor(opts: TransportOptions = {}) {
    this.retries = Math.max(1, opts.retries ?? 4);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.delayMs = opts.retryDelayMs ?? 250;
    const ca = opts.caCerts?.length ? [...rootCertificates, ...opts.caCerts] : undefined;
    this.agent = new Agent({
      connect: { timeout: this.timeoutMs, ...(ca ? { ca } : {}) },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connections: 32,
    });
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
  async send(url: string | URL, init: SendInit, registry: string): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
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
  private async fetchFollowing(start: URL, init: SendInit, registry: string): Promise<Response> {
    let url = start;
    let method = init.method ?? 'GET';
    let body = init.body;
    const headers = { ...init.headers };
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, { method, headers, body, redirect: 'manual', dispatcher: this.agent });
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

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
