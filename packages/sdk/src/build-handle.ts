/**
 * `TemplateBuild`: a handle on one build, to poll its status, replay and follow its log (Server-Sent
 * Events with reconnection), cancel, retry or promote it, and wait until it ends.
 */
import type { RegistryCredentials } from './builder/template-state.ts';
import type { ContextUpload } from './context/upload-context.ts';
import { ConnectionError, KilnError, ServerError } from './errors.ts';
import { KilnClient, seg } from './http/client.ts';
import type { ConnectionOptions } from './http/connection.ts';
import { SseParser, readSse } from './sse.ts';
import type { BuildInfo, BuildStatusInfo, LogEntry } from './types.ts';

/** Options of {@link TemplateBuild.logs}. */
export interface LogsOptions {
  /** First log offset (default 0). */
  offset?: number;
  /** Keep the stream open for new entries until the build's `end` entry (default false: replay and stop). */
  follow?: boolean;
  /** Stops the stream. */
  signal?: AbortSignal;
  /** Consecutive failed reconnection attempts before giving up (default 5). */
  maxReconnects?: number;
}

/** Options of {@link TemplateBuild.retry}. */
export interface RetryOptions {
  /** Tags of the new build (default: the original's). */
  tags?: string[];
  /** The original's build secrets, given again (same ids; values are never stored). */
  buildSecrets?: { id: string; value: string }[] | Record<string, string>;
  /** The original's base image credentials, given again. */
  baseImageAuth?: RegistryCredentials;
  /** The original's per-registry credentials, given again. */
  registryAuth?: { registry: string; auth: RegistryCredentials }[];
}

const TERMINAL = new Set(['ready', 'error', 'cancelled']);

/** Consecutive reconnection attempts while waiting for a build (about two minutes at the 5 s backoff cap). */
const WAIT_RECONNECTS = 30;

/** Waits `ms`, or rejects when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => { clearTimeout(timer); reject(signal?.reason); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An empty response body. */
async function* emptyBody(): AsyncGenerator<Uint8Array> {}

/** A log entry from an SSE frame's data. */
function parseEntry(data: string, buildId: string): LogEntry {
  try {
    return JSON.parse(data) as LogEntry;
  } catch {
    throw new ServerError(`The log stream of build ${buildId} sent a frame that is not JSON.`, { code: 'invalid_stream' });
  }
}

/** A build's status object without its log entries: the build object. */
function buildOf(status: BuildStatusInfo): BuildInfo {
  const { log_entries: _entries, next_log_offset: _next, ...info } = status;
  return info;
}

/** A handle on one build. */
export class TemplateBuild {
  /** The build id (`tb_…`). */
  readonly buildId: string;
  /** The template it builds. */
  readonly templateId: string;
  /** The build object as last seen (updated by getStatus, cancel, promote and waitUntilTerminal). */
  info: BuildInfo;
  /** When this handle's build uploaded a context: what was sent and reused. */
  readonly contextUpload?: ContextUpload;
  private readonly client: KilnClient;

  /** A handle for a build object already fetched; see {@link TemplateBuild.connect}. */
  constructor(client: KilnClient, info: BuildInfo, contextUpload?: ContextUpload) {
    this.client = client;
    this.info = info;
    this.buildId = info.build_id;
    this.templateId = info.template_id;
    if (contextUpload) this.contextUpload = contextUpload;
  }

  /**
   * Reconnects to a build by id (with the same API key that started it); throws NotFoundError for an unknown or foreign id.
   * @example
   * const build = await TemplateBuild.connect('tb_01J…', { apiKey: process.env.KILN_API_KEY });
   * console.log(build.info.status);
   */
  static async connect(buildId: string, opts: ConnectionOptions = {}): Promise<TemplateBuild> {
    const client = new KilnClient(opts);
    const status = await client.json<BuildStatusInfo>('GET', `/v1/templates/builds/${seg(buildId)}`, { query: { limit: 1 } });
    return new TemplateBuild(client, buildOf(status));
  }

  /**
   * The build's status with its log entries from `offset`; pass the answer's `next_log_offset` next time to poll incrementally.
   * @example
   * let offset = 0;
   * const s = await build.getStatus({ offset });
   * s.log_entries.forEach((e) => console.log(e.message));
   * offset = s.next_log_offset;
   */
  async getStatus(opts: { offset?: number; limit?: number; signal?: AbortSignal } = {}): Promise<BuildStatusInfo> {
    const status = await this.client.json<BuildStatusInfo>('GET', `/v1/templates/builds/${seg(this.buildId)}`, {
      query: { offset: opts.offset ?? 0, limit: opts.limit }, signal: opts.signal,
    });
    this.info = buildOf(status);
    return status;
  }

  /**
   * The build's log entries from `offset`, as an async iterator over Server-Sent Events. Without
   * `follow` it replays the stored entries; with `follow` it also yields new ones and stops after
   * the `end` entry. A dropped connection is resumed after the last entry (`Last-Event-ID`).
   * @example
   * for await (const entry of build.logs({ follow: true })) {
   *   console.log(`[${entry.phase ?? entry.kind}] ${entry.message}`);
   * }
   */
  async *logs(opts: LogsOptions = {}): AsyncGenerator<LogEntry> {
    const follow = opts.follow ?? false;
    const maxReconnects = opts.maxReconnects ?? 5;
    const parser = new SseParser();
    let failures = 0;
    let lastError: unknown;
    for (;;) {
      const resume = parser.lastEventId;
      try {
        const res = await this.client.fetch('GET', `/v1/templates/builds/${seg(this.buildId)}/logs`, {
          // A reconnect names where to resume with Last-Event-ID (an offset would win over it).
          query: resume === undefined ? { offset: opts.offset ?? 0, follow } : { follow },
          headers: { accept: 'text/event-stream', ...(resume === undefined ? {} : { 'last-event-id': resume }) },
          signal: opts.signal,
        });
        parser.end();
        for await (const ev of readSse(res.body ?? emptyBody(), parser)) {
          if (ev.event !== 'log') continue;
          const entry = parseEntry(ev.data, this.buildId);
          failures = 0;
          yield entry;
          if (follow && entry.kind === 'end') return;
        }
        // The server closed the stream: a replay is complete; a followed stream resumes.
        if (!follow) return;
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        // The server answered with an error (404, 401, …) or sent something unreadable: no point in reconnecting.
        if (err instanceof KilnError && !(err instanceof ConnectionError)) throw err;
        lastError = err;
      }
      if (++failures > maxReconnects) {
        if (lastError instanceof ConnectionError) throw lastError;
        throw new ConnectionError(`The log stream of build ${this.buildId} broke ${failures} times in a row; giving up.`, { code: 'connection_failed', cause: lastError });
      }
      await sleep(Math.min(5000, 250 * 2 ** (failures - 1)), opts.signal);
    }
  }

  /**
   * Cancels a waiting or running build (a durable `cancelled` entry records the reason); ConflictError once it has ended.
   * @example
   * const info = await build.cancel('superseded by a newer commit');
   * console.log(info.status); // 'cancelled'
   */
  async cancel(reason?: string): Promise<BuildInfo> {
    const answer = await this.client.json<{ build: BuildInfo }>('POST', `/v1/templates/builds/${seg(this.buildId)}/cancel`, { json: reason === undefined ? {} : { reason } });
    this.info = answer.build;
    return answer.build;
  }

  /**
   * Starts a new build of the same template from this build's stored definition; secrets and credentials it used must be given again.
   * @example
   * const again = await build.retry({ tags: ['v2'], buildSecrets: { token: process.env.TOKEN! } });
   * await again.waitUntilTerminal();
   */
  async retry(opts: RetryOptions = {}): Promise<TemplateBuild> {
    const body: Record<string, unknown> = {};
    if (opts.tags !== undefined) body.tags = opts.tags;
    if (opts.buildSecrets !== undefined) {
      body.build_secrets = Array.isArray(opts.buildSecrets) ? opts.buildSecrets : Object.entries(opts.buildSecrets).map(([id, value]) => ({ id, value }));
    }
    if (opts.baseImageAuth !== undefined) body.base_image_auth = opts.baseImageAuth;
    if (opts.registryAuth !== undefined) body.registry_auth = opts.registryAuth;
    const info = await this.client.json<BuildInfo>('POST', `/v1/templates/builds/${seg(this.buildId)}/retry`, { json: body });
    return new TemplateBuild(this.client, info);
  }

  /**
   * Moves `tag` of the build's template to this build (it must be ready and its artifact kept); ConflictError otherwise.
   * @example
   * await build.promote('prod');
   */
  async promote(tag: string): Promise<BuildInfo> {
    const answer = await this.client.json<{ build: BuildInfo }>('POST', `/v1/templates/builds/${seg(this.buildId)}/promote`, { json: { tag } });
    this.info = answer.build;
    return answer.build;
  }

  /**
   * Waits until the build is `ready`, `error` or `cancelled` and returns the final build object
   * (it does not throw for a failed build: look at `status` and `error_detail`); `onLog` sees every entry.
   * @example
   * const info = await build.waitUntilTerminal({ onLog: (e) => console.log(e.message) });
   * if (info.status !== 'ready') console.error(info.error_detail);
   */
  async waitUntilTerminal(opts: { onLog?: (entry: LogEntry) => void; signal?: AbortSignal } = {}): Promise<BuildInfo> {
    let next = 0;
    // A server restart can take a while; the build carries on after it, so keep reconnecting longer.
    for await (const entry of this.logs({ offset: 0, follow: true, signal: opts.signal, maxReconnects: WAIT_RECONNECTS })) {
      next = entry.offset + 1;
      opts.onLog?.(entry);
    }
    // The `end` entry is written as the build ends; its status is final by then.
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      await this.getStatus({ offset: next, limit: 1, signal: opts.signal });
      if (TERMINAL.has(this.info.status)) return this.info;
      await sleep(wait, opts.signal);
    }
  }
}
