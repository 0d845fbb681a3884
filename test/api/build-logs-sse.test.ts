import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_A, KEY_B, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { openSse, readAll, type SseFrame } from '../fixtures/read-sse.ts';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { busyboxImage } from '../fixtures/images/test-images.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

/** Starts a build that stays waiting (this server has no worker). */
async function waitingBuild(name: string): Promise<{ build_id: string; template_id: string }> {
  const res = await kiln.request('POST', '/v1/templates/builds', { body: { name, base_image: 'docker.io/library/debian:bookworm' } });
  assert.equal(res.status, 202, res.text);
  return res.body;
}

/** Appends entries to a build's log as a worker in another process would: straight into the store, with no in-process notice. */
async function appendEntries(b: { build_id: string; template_id: string }, messages: string[], kind = 'message'): Promise<void> {
  for (const message of messages) {
    await kiln.server.store.appendLog(b.build_id, { build_id: b.build_id, template_id: b.template_id, timestamp: new Date().toISOString(), kind, level: 'info', message });
  }
}

function logsUrl(buildId: string, query = ''): string {
  return `${kiln.url}/v1/templates/builds/${buildId}/logs${query}`;
}

async function frames(buildId: string, query = '', headers: Record<string, string> = {}): Promise<SseFrame[]> {
  const stream = await openSse(logsUrl(buildId, query), { authorization: `Bearer ${KEY_A}`, ...headers });
  assert.equal(stream.status, 200, stream.errorText);
  assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
  return readAll(stream);
}

const ids = (fs: SseFrame[]) => fs.map((f) => f.id);

describe('replaying a build log', () => {
  let b: { build_id: string; template_id: string };
  before(async () => {
    b = await waitingBuild('replayed');
    await appendEntries(b, ['zero', 'one', 'two', 'three', 'four']);
  });

  test('every stored entry is one frame: id is the offset, event is log, data is the entry; then the stream closes', async () => {
    const fs = await frames(b.build_id);
    assert.deepEqual(ids(fs), ['0', '1', '2', '3', '4']);
    for (const f of fs) {
      assert.equal(f.event, 'log');
      const entry = JSON.parse(f.data!);
      assert.equal(String(entry.offset), f.id);
      assert.equal(entry.build_id, b.build_id);
      assert.equal(entry.template_id, b.template_id);
      assert.equal(entry.kind, 'message');
    }
    assert.deepEqual(fs.map((f) => JSON.parse(f.data!).message), ['zero', 'one', 'two', 'three', 'four']);
    const polled = await kiln.request('GET', `/v1/templates/builds/${b.build_id}`);
    assert.deepEqual(fs.map((f) => JSON.parse(f.data!)), polled.body.log_entries, 'the same entries as status polling');
  });

  test('offset starts the replay there; cursor is its alias; offset wins over cursor', async () => {
    assert.deepEqual(ids(await frames(b.build_id, '?offset=2')), ['2', '3', '4']);
    assert.deepEqual(ids(await frames(b.build_id, '?cursor=3')), ['3', '4']);
    assert.deepEqual(ids(await frames(b.build_id, '?offset=1&cursor=3')), ['1', '2', '3', '4']);
    assert.deepEqual(ids(await frames(b.build_id, '?offset=5')), []);
    assert.deepEqual(ids(await frames(b.build_id, '?offset=9007199254740991')), [], 'past the end is simply nothing yet');
  });

  test('a reconnect with Last-Event-ID resumes after that offset, unless offset or cursor is given', async () => {
    assert.deepEqual(ids(await frames(b.build_id, '', { 'last-event-id': '2' })), ['3', '4']);
    assert.deepEqual(ids(await frames(b.build_id, '?offset=0', { 'last-event-id': '2' })), ['0', '1', '2', '3', '4']);
    assert.deepEqual(ids(await frames(b.build_id, '?cursor=4', { 'last-event-id': '0' })), ['4']);
  });

  test('bad offset, cursor, follow or Last-Event-ID values are a 400 invalid_request, never a 500', async () => {
    for (const [query, headers] of [
      ['?offset=-1', {}], ['?offset=abc', {}], ['?offset=1.5', {}], ['?cursor=x', {}], ['?cursor=-3', {}],
      ['?follow=maybe', {}], ['?offset=99999999999999999999', {}], ['', { 'last-event-id': 'nope' }], ['', { 'last-event-id': '-1' }],
    ] as const) {
      const res = await kiln.request('GET', `/v1/templates/builds/${b.build_id}/logs${query}`, { headers: headers as Record<string, string> });
      assert.equal(res.status, 400, `${query} ${JSON.stringify(headers)}: ${res.text}`);
      assert.equal(res.body.code, 'invalid_request');
      assert.equal(res.body.phase, 'request');
      assert.ok(res.body.request_id);
    }
  });

  test('another tenant\'s build answers 404 exactly like a missing one', async () => {
    const foreign = await kiln.request('GET', `/v1/templates/builds/${b.build_id}/logs`, { key: KEY_B });
    const missing = await kiln.request('GET', '/v1/templates/builds/tb_doesnotexist/logs', { key: KEY_B });
    assert.equal(foreign.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(foreign.body.code, 'not_found');
    assert.equal(missing.body.code, 'not_found');
    assert.ok(!foreign.text.includes('replayed'), 'nothing of the build leaks');
    const noKey = await kiln.request('GET', `/v1/templates/builds/${b.build_id}/logs`, { key: null });
    assert.equal(noKey.status, 401);
  });
});

describe('following a build log', () => {
  test('a cancelled waiting build: the follower receives cancelled and end, dense after what it had, then the stream closes', async () => {
    const b = await waitingBuild('follow-cancel');
    await appendEntries(b, ['queued note']);
    const stream = await openSse(logsUrl(b.build_id, '?follow=true'), { authorization: `Bearer ${KEY_A}` });
    assert.equal(stream.status, 200, stream.errorText);
    const first = await stream.frames.next();
    assert.equal(first.value?.id, '0', 'the stored entry is replayed first');
    const cancel = await kiln.request('POST', `/v1/templates/builds/${b.build_id}/cancel`, { body: { reason: 'changed my mind' } });
    assert.equal(cancel.status, 200, cancel.text);
    const rest = (await readAll(stream)).filter((f) => f.event === 'log');
    assert.deepEqual(ids(rest), ['1', '2']);
    assert.deepEqual(rest.map((f) => JSON.parse(f.data!).kind), ['cancelled', 'end']);
    assert.match(JSON.parse(rest[0].data!).message, /changed my mind/);
  });

  test('entries written by another process (no in-process notice) reach the follower, which closes after end', async () => {
    const b = await waitingBuild('follow-poll');
    const stream = await openSse(logsUrl(b.build_id, '?follow=true&offset=0'), { authorization: `Bearer ${KEY_A}` });
    assert.equal(stream.status, 200, stream.errorText);
    const collected: SseFrame[] = [];
    const reading = (async () => { for await (const f of stream.frames) if (f.event === 'log') collected.push(f); })();
    await appendEntries(b, ['a', 'b', 'c']);
    await appendEntries(b, ['done'], 'end');
    await reading;
    assert.deepEqual(ids(collected), ['0', '1', '2', '3']);
    assert.equal(JSON.parse(collected.at(-1)!.data!).kind, 'end');
  });

  test('a log that has already ended closes right after the replay; resuming after end sends nothing and closes', async () => {
    const b = await waitingBuild('follow-ended');
    const cancel = await kiln.request('POST', `/v1/templates/builds/${b.build_id}/cancel`, {});
    assert.equal(cancel.status, 200, cancel.text);
    assert.deepEqual(ids(await frames(b.build_id, '?follow=true')), ['0', '1']);
    assert.deepEqual(ids(await frames(b.build_id, '?follow=true', { 'last-event-id': '1' })), []);
    assert.deepEqual(ids(await frames(b.build_id, '?follow=false&cursor=1')), ['1']);
  });

  test('a follower that disconnects is let go: the build and other streams carry on', async () => {
    const b = await waitingBuild('follow-leave');
    const leaving = await openSse(logsUrl(b.build_id, '?follow=true'), { authorization: `Bearer ${KEY_A}` });
    assert.equal(leaving.status, 200);
    leaving.close();
    assert.deepEqual(await readAll(leaving), []);
    const staying = await openSse(logsUrl(b.build_id, '?follow=true'), { authorization: `Bearer ${KEY_A}` });
    assert.equal(staying.status, 200, staying.errorText);
    await kiln.request('POST', `/v1/templates/builds/${b.build_id}/cancel`, {});
    assert.deepEqual(ids(await readAll(staying)), ['0', '1']);
  });

  test('stopping the server closes streams that are still following', async () => {
    const own = await startKiln();
    try {
      const res = await own.request('POST', '/v1/templates/builds', { body: { name: 'never-ends', base_image: 'docker.io/library/debian:bookworm' } });
      const stream = await openSse(`${own.url}/v1/templates/builds/${res.body.build_id}/logs?follow=true`, { authorization: `Bearer ${KEY_A}` });
      assert.equal(stream.status, 200);
      const reading = readAll(stream);
      await own.server.close();
      assert.deepEqual(await reading, []);
    } finally {
      await own.close().catch(() => {});
    }
  });

  test('the OpenAPI document describes the stream as text/event-stream', async () => {
    const doc = (await kiln.request('GET', '/openapi.json', { key: null })).body;
    const op = doc.paths['/v1/templates/builds/{build_id}/logs'].get;
    assert.ok(op.responses['200'].content['text/event-stream']);
    assert.deepEqual(op.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort(), ['cursor', 'follow', 'offset']);
  });
});

describe('following a build that really runs', () => {
  let reg: RegistryFixture;
  let worker: KilnFixture;
  before(async () => {
    reg = await startRegistry();
    await pushImage(reg, 'kiln/busybox', '1', await busyboxImage());
    worker = await startKiln({ KILN_WORKER: 'embedded', KILN_INSECURE_REGISTRIES: reg.host });
  });
  after(async () => {
    await worker?.close();
    await reg?.stop();
  });

  test('the follower receives every entry live, with dense offsets from start to end, and the stream closes after end', async () => {
    const res = await worker.request('POST', '/v1/templates/builds', { body: { name: 'live', base_image: `${reg.host}/kiln/busybox:1` } });
    assert.equal(res.status, 202, res.text);
    const stream = await openSse(`${worker.url}/v1/templates/builds/${res.body.build_id}/logs?follow=true`, { authorization: `Bearer ${KEY_A}` });
    assert.equal(stream.status, 200, stream.errorText);
    const fs = (await readAll(stream)).filter((f) => f.event === 'log');
    const entries = fs.map((f) => JSON.parse(f.data!));
    assert.deepEqual(ids(fs), entries.map((_, i) => String(i)), 'dense offsets from 0');
    assert.equal(entries[0].kind, 'start');
    assert.equal(entries.at(-1).kind, 'end');
    assert.equal(entries.at(-1).result, 'ready');
    assert.ok(entries.some((e) => e.phase === 'preparing'));
    const done = await waitForBuild(worker, res.body.build_id);
    assert.deepEqual(entries, done.log_entries, 'the stream and status polling agree');
  });
});
