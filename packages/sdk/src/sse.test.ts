import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, readSse, type SseEvent } from './sse.ts';

function parseAll(chunks: string[]): { events: SseEvent[]; parser: SseParser } {
  const parser = new SseParser();
  const events = chunks.flatMap((c) => parser.push(c));
  return { events, parser };
}

describe('SSE parsing', () => {
  test('frames of id, event and data; comments skipped; the id is kept for a reconnect', () => {
    const { events, parser } = parseAll([': keep-alive\n\n', 'id: 0\nevent: log\ndata: {"offset":0}\n\n', 'id: 1\nevent: log\ndata: {"offset":1}\n\n']);
    assert.deepEqual(events, [
      { event: 'log', data: '{"offset":0}', id: '0' },
      { event: 'log', data: '{"offset":1}', id: '1' },
    ]);
    assert.equal(parser.lastEventId, '1');
  });

  test('an id becomes the last event id only when its event is dispatched (a cut-off event is asked for again)', () => {
    const parser = new SseParser();
    parser.push('id: 1\nevent: log\ndata: a\n\nid: 2\nevent: lo');
    assert.equal(parser.lastEventId, '1');
    parser.end();
    assert.deepEqual(parser.push('id: 2\nevent: log\ndata: b\n\n'), [{ event: 'log', data: 'b', id: '2' }]);
    assert.equal(parser.lastEventId, '2');
  });

  test('frames split anywhere across chunks, CRLF and CR line ends, a CRLF split between chunks', () => {
    const text = 'id: 7\r\nevent: log\r\ndata: a\r\n\r\nid: 8\revent: log\rdata: b\r\r';
    for (let cut = 1; cut < text.length; cut++) {
      const { events } = parseAll([text.slice(0, cut), text.slice(cut)]);
      assert.deepEqual(events.map((e) => [e.id, e.event, e.data]), [['7', 'log', 'a'], ['8', 'log', 'b']], `cut at ${cut}`);
    }
    const { events } = parseAll(['data: x\r', '\n', '\r\n']);
    assert.deepEqual(events.map((e) => e.data), ['x'], 'the LF after a CR that ended a chunk is not a blank line');
  });

  test('data lines join with LF; "message" is the default event; no space after the colon is fine; retry is read', () => {
    const { events } = parseAll(['data:one\ndata: two\nretry: 3000\n\n', 'event:x\n\n', 'data\n\n']);
    assert.deepEqual(events, [{ event: 'message', data: 'one\ntwo', retry: 3000 }, { event: 'message', data: '' }]);
  });

  test('readSse decodes multi-byte characters split across chunks and drops an unfinished last event', async () => {
    const bytes = new TextEncoder().encode('id: 1\nevent: log\ndata: "é✓"\n\nid: 2\ndata: cut');
    async function* body() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3);
    }
    const out: SseEvent[] = [];
    for await (const ev of readSse(body())) out.push(ev);
    assert.deepEqual(out, [{ event: 'log', data: '"é✓"', id: '1' }]);
  });
});
