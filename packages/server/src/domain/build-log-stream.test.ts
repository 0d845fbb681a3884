import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../store/create-store.ts';
import type { LogEntryRecord, Store } from '../store/store.ts';
import { buildFixture, templateFixture } from '../store/store-fixtures.ts';
import { BuildEvents } from '../build/build-events.ts';
import { readBuildLog } from './build-log-stream.ts';

let dir: string;
let store: Store;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-log-stream-'));
  store = await createStore({ dataDir: dir });
  await store.ensureTenant('t1', new Date().toISOString());
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function newBuild(): Promise<string> {
  const tpl = templateFixture('t1');
  await store.insertTemplate(tpl);
  const b = buildFixture(tpl);
  await store.insertBuild(b);
  return b.id;
}

function append(buildId: string, kind: string, message: string): Promise<LogEntryRecord> {
  return store.appendLog(buildId, { build_id: buildId, template_id: 'x', timestamp: new Date().toISOString(), kind, level: 'info', message });
}

async function collect(gen: AsyncGenerator<LogEntryRecord>, onEach?: (r: LogEntryRecord) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for await (const r of gen) {
    out.push(r.offset);
    await onEach?.(r);
  }
  return out;
}

test('replay reads every page from the offset and stops at the stored end', async () => {
  const id = await newBuild();
  for (let i = 0; i < 7; i++) await append(id, 'message', `m${i}`);
  const signal = new AbortController().signal;
  assert.deepEqual(await collect(readBuildLog(store, undefined, id, { from: 0, follow: false, signal, pageSize: 3 })), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await collect(readBuildLog(store, undefined, id, { from: 5, follow: false, signal, pageSize: 3 })), [5, 6]);
  assert.deepEqual(await collect(readBuildLog(store, undefined, id, { from: 2 ** 40, follow: false, signal })), []);
});

test('a follower wakes on the logged event and ends after the end entry; no listener is left', async () => {
  const id = await newBuild();
  await append(id, 'start', 'go');
  const events = new BuildEvents();
  // The poll interval is far beyond the test's life: only the event can wake the follower.
  const gen = readBuildLog(store, events, id, { from: 0, follow: true, signal: new AbortController().signal, pollMs: 3_600_000 });
  const offsets = await collect(gen, async (r) => {
    if (r.offset === 0) {
      await append(id, 'message', 'working');
      events.emit('logged', 'another-build');
      events.emit('logged', id);
    } else if (r.offset === 1) {
      await append(id, 'end', 'done');
      events.emit('logged', id);
    }
  });
  assert.deepEqual(offsets, [0, 1, 2]);
  assert.equal(events.listenerCount('logged'), 0);
});

test('a follower sees entries written with no event by polling the store', async () => {
  const id = await newBuild();
  const events = new BuildEvents();
  const gen = readBuildLog(store, events, id, { from: 0, follow: true, signal: new AbortController().signal, pollMs: 10 });
  const first = gen.next();
  await append(id, 'message', 'from another process');
  assert.equal((await first).value?.offset, 0);
  await append(id, 'end', 'done');
  assert.deepEqual(await collect(gen), [1]);
});

test('following a log that already ended stops after the replay, also when resuming past its end', async () => {
  const id = await newBuild();
  await append(id, 'cancelled', 'stop');
  await append(id, 'end', 'ended');
  const signal = new AbortController().signal;
  assert.deepEqual(await collect(readBuildLog(store, undefined, id, { from: 0, follow: true, signal })), [0, 1]);
  assert.deepEqual(await collect(readBuildLog(store, undefined, id, { from: 2, follow: true, signal })), []);
});

test('aborting a waiting follower ends it at once and removes its listener and timer', async () => {
  const id = await newBuild();
  const events = new BuildEvents();
  const stop = new AbortController();
  const gen = readBuildLog(store, events, id, { from: 0, follow: true, signal: stop.signal, pollMs: 3_600_000 });
  const pending = gen.next();
  while (events.listenerCount('logged') === 0) await new Promise((r) => setImmediate(r));
  stop.abort();
  assert.equal((await pending).done, true);
  assert.equal(events.listenerCount('logged'), 0);
});
