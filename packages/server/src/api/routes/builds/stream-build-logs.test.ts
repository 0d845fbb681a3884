import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KilnError } from '../../../errors/errors.ts';
import type { LogEntryRecord } from '../../../store/store.ts';
import { logFrame, pipeLogFrames, startOffset } from './stream-build-logs.ts';

test('offset wins over cursor, which wins over Last-Event-ID (resumed after); 0 by default', () => {
  assert.equal(startOffset({}, undefined), 0);
  assert.equal(startOffset({ offset: 4, cursor: 9 }, '20'), 4);
  assert.equal(startOffset({ cursor: 9 }, '20'), 9);
  assert.equal(startOffset({}, '20'), 21);
  assert.equal(startOffset({}, ['3', '7']), 4);
  for (const bad of ['', 'x', '-1', '1.5', '1e3', '9999999999999999']) {
    assert.throws(() => startOffset({}, bad), (e: unknown) => e instanceof KilnError && e.code === 'invalid_request', bad);
  }
});

test('a frame is id, event and one data line with the entry as JSON', () => {
  const rec: LogEntryRecord = { build_id: 'tb_1', offset: 3, entry: { offset: 3, message: 'two\nlines' } };
  assert.equal(logFrame(rec), 'id: 3\nevent: log\ndata: {"offset":3,"message":"two\\nlines"}\n\n');
});

test('while waiting for entries a followed stream sends keep-alive comments, then the frames, then ends', async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => { release = r; });
  async function* entries(): AsyncGenerator<LogEntryRecord> {
    yield { build_id: 'tb_1', offset: 0, entry: { offset: 0, kind: 'start' } };
    await released;
    yield { build_id: 'tb_1', offset: 1, entry: { offset: 1, kind: 'end' } };
  }
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    void pipeLogFrames(res, entries(), { signal: new AbortController().signal, heartbeatMs: 5 });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of res.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (text.includes(': keep-alive\n\n')) release();
    }
    const blocks = text.split('\n\n').filter(Boolean);
    assert.match(blocks[0], /^id: 0\nevent: log\ndata: /);
    assert.ok(blocks.slice(1, -1).length > 0 && blocks.slice(1, -1).every((b) => b === ': keep-alive'), text);
    assert.match(blocks.at(-1)!, /^id: 1\nevent: log\ndata: .*"end"/);
  } finally {
    server.close();
  }
});
