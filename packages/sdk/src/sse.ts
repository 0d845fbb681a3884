/**
 * A Server-Sent Events parser following the WHATWG rules: lines end in LF, CR or CRLF; `data`
 * lines join with LF; comments (`:`) are skipped; an event is dispatched at a blank line; an
 * `id` becomes the last event id (for `Last-Event-ID`) only when its event is dispatched, so an
 * event cut off by a dropped connection is asked for again.
 */

/** One dispatched event. */
export interface SseEvent {
  /** `event` field, `message` when absent. */
  event: string;
  /** The joined `data` lines. */
  data: string;
  /** The last event id seen on the stream, when one was sent. */
  id?: string;
  /** A `retry` field (reconnection time in ms), when this event carried one. */
  retry?: number;
}

/** Incremental parser: feed text chunks, take the events they complete. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private retry: number | undefined;
  private sawCr = false;
  private idBuffer: string | undefined;
  /** The id of the last dispatched event, kept across events (what a reconnect sends as Last-Event-ID). */
  lastEventId: string | undefined;

  /** Parses a chunk of text and returns the events it completes. */
  push(chunk: string): SseEvent[] {
    let text = chunk;
    // A CRLF split across chunks: the LF belongs to the CR already taken as a line end.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      // A lone CR at the very end may be the first half of a CRLF.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) this.sawCr = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  /** Ends a stream (or starts a new one): an unfinished event is dropped, as the rules say; the last event id is kept. */
  end(): void {
    this.buffer = '';
    this.sawCr = false;
    this.data = [];
    this.event = '';
    this.retry = undefined;
    this.idBuffer = this.lastEventId;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data': this.data.push(value); break;
      case 'event': this.event = value; break;
      case 'id': if (!value.includes('\0')) this.idBuffer = value; break;
      case 'retry': if (/^\d+$/.test(value)) this.retry = Number(value); break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    this.lastEventId = this.idBuffer;
    const hadData = this.data.length > 0;
    const ev: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
    if (this.lastEventId !== undefined) ev.id = this.lastEventId;
    if (this.retry !== undefined) ev.retry = this.retry;
    this.data = [];
    this.event = '';
    this.retry = undefined;
    return hadData ? ev : undefined;
  }
}

/** The events of an SSE response body, as they arrive. */
export async function* readSse(body: AsyncIterable<Uint8Array>, parser: SseParser = new SseParser()): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    for (const ev of parser.push(decoder.decode(chunk, { stream: true }))) yield ev;
  }
  for (const ev of parser.push(decoder.decode())) yield ev;
  parser.end();
}
