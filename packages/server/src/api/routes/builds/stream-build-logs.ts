/**
 * `GET /v1/templates/builds/{build_id}/logs`: a build's log as Server-Sent Events, one frame
 * `id: <offset>\nevent: log\ndata: <entry json>\n\n` per entry. Without `follow` it replays the
 * stored entries and closes; with `follow=true` it then sends new entries as they are written
 * and closes after the `end` entry, with a comment heartbeat while it waits.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import { KilnError } from '../../../errors/errors.ts';
import type { LogEntryRecord } from '../../../store/store.ts';
import { BEARER, type RouteModule } from '../../route-types.ts';

/** How often a followed stream sends `: keep-alive` while no entry arrives. */
export const HEARTBEAT_MS = 15_000;

const OffsetSchema = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const Query = Type.Object({
  offset: Type.Optional(OffsetSchema('First log offset to send (default 0, or just after the Last-Event-ID header). Wins over cursor.')),
  cursor: Type.Optional(OffsetSchema('Alias of offset.')),
  follow: Type.Optional(Type.Boolean({ description: 'true: after the stored entries, keep sending new ones until the `end` entry; false (default): replay and close.' })),
});

/** Where a stream starts: `offset`, else `cursor`, else just after a `Last-Event-ID` header (a reconnect), else 0. */
export function startOffset(query: { offset?: number; cursor?: number }, lastEventId: string | string[] | undefined): number {
  if (query.offset !== undefined) return query.offset;
  if (query.cursor !== undefined) return query.cursor;
  if (lastEventId === undefined) return 0;
  const raw = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw new KilnError('invalid_request', 'The Last-Event-ID header must be the offset of a log entry this stream sent (a non-negative integer).', { phase: 'request' });
  }
  return Number(raw.trim()) + 1;
}

/** The SSE frame of one log entry. */
export function logFrame(rec: LogEntryRecord): string {
  return `id: ${rec.offset}\nevent: log\ndata: ${JSON.stringify(rec.entry)}\n\n`;
}

/**
 * Writes entries as frames to a response whose headers are sent, honouring back-pressure, with a
 * heartbeat every `heartbeatMs` when given; ends the response when the entries end or `signal` aborts.
 */
export async function pipeLogFrames(res: ServerResponse, entries: AsyncIterable<LogEntryRecord>, opts: { signal: AbortSignal; heartbeatMs?: number }): Promise<void> {
  const open = () => !opts.signal.aborted && !res.destroyed && !res.writableEnded;
  const heartbeat = opts.heartbeatMs ? setInterval(() => { if (open()) res.write(': keep-alive\n\n'); }, opts.heartbeatMs) : undefined;
  try {
    for await (const rec of entries) {
      if (!open()) break;
      if (!res.write(logFrame(rec))) await once(res, 'drain', { signal: opts.signal }).catch(() => {});
    }
  } finally {
    clearInterval(heartbeat);
    if (!res.writableEnded) res.end();
  }
}

/** Registers the stream-build-logs route. */
export const streamBuildLogs: RouteModule = (app, { builds }) => {
  // Streams still following when the server stops are closed, so the stop does not wait on them.
  const streams = new Set<AbortController>();
  app.addHook('preClose', (done) => {
    for (const s of streams) s.abort();
    done();
  });

  app.get<{ Params: { build_id: string }; Querystring: { offset?: number; cursor?: number; follow?: boolean } }>('/v1/templates/builds/:build_id/logs', {
    exposeHeadRoute: false,
    schema: {
      summary: 'Stream a build\'s log (Server-Sent Events)',
      description: 'Each entry is a frame `id: <offset>\\nevent: log\\ndata: <entry json>`. Without follow the stored entries are replayed and the stream closes; '
        + 'with follow=true new entries follow until the `end` entry, with `: keep-alive` comments every 15 s. A reconnect with `Last-Event-ID` resumes after that offset.',
      tags: ['builds'], security: BEARER, params: Type.Object({ build_id: Type.String() }), querystring: Query,
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ description: 'Resume after this offset (used when neither offset nor cursor is given).' })) }),
      response: {
        200: {
          description: 'The log entries as Server-Sent Events (`event: log`, `id` = offset, `data` = the entry as JSON).',
          content: { 'text/event-stream': { schema: Type.String() } },
        },
      },
    },
  }, async (req, reply) => {
    const from = startOffset(req.query, req.headers['last-event-id']);
    const follow = req.query.follow ?? false;
    const stop = new AbortController();
    // Answers 404 (as JSON, before the stream starts) for a build of another tenant or none.
    const entries = await builds.logStream(req.tenantId, req.params.build_id, { from, follow, signal: stop.signal });
    reply.hijack();
    const res = reply.raw;
    res.on('close', () => stop.abort());
    streams.add(stop);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      // A stream's connection is not reused: when the stream ends (also at server stop) its socket closes.
      connection: 'close',
      'x-request-id': String(req.id),
    });
    res.flushHeaders();
    try {
      await pipeLogFrames(res, entries, { signal: stop.signal, heartbeatMs: follow ? HEARTBEAT_MS : undefined });
    } catch (err) {
      if (!stop.signal.aborted) req.log.error({ err }, 'log stream failed');
    } finally {
      streams.delete(stop);
      if (!res.writableEnded) res.end();
    }
  });
};
