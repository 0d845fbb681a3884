import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createStore } from '../create-store.ts';
import { buildFixture, isoAt, templateFixture } from '../store-fixtures.ts';

const run = promisify(execFile);
const createStoreUrl = new URL('../create-store.ts', import.meta.url).href;

/** Runs `body` in a child process with `store` opened (and migrated) on `dataDir`. */
function inChild(dataDir: string, body: string) {
  const script = `
    const { createStore } = await import(${JSON.stringify(createStoreUrl)});
    const store = await createStore({ dataDir: ${JSON.stringify(dataDir)} });
    try { ${body} } finally { await store.close(); }
  `;
  return run(process.execPath, ['--input-type=module', '--eval', script]);
}

/** A child process that appends `count` log entries to a build concurrently. */
function appendFromChild(dataDir: string, buildId: string, count: number, label: string) {
  return inChild(dataDir, `await Promise.all(Array.from({ length: ${count} }, (_, i) =>
    store.appendLog(${JSON.stringify(buildId)}, { message: ${JSON.stringify(label)} + i })));`);
}

test('sqlite store: processes opening a new data dir at once migrate it once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-sqlite-migrate-'));
  const dataDir = join(dir, 'data');
  try {
    await Promise.all(['a', 'b', 'c', 'd'].map((n) => inChild(dataDir, `
      await store.ensureTenant('ten_${n}', '2025-01-01T00:00:00.000Z');
      await store.putApiKey({ key_hash: 'hash_${n}', tenant_id: 'ten_${n}', created_at: '2025-01-01T00:00:00.000Z' });`)));
    const store = await createStore({ dataDir });
    try {
      assert.equal(await store.countApiKeys(), 4);
      assert.equal((await store.findApiKey('hash_c'))?.tenant_id, 'ten_c');
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sqlite store: processes sharing one database file keep log offsets dense', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-sqlite-procs-'));
  const dataDir = join(dir, 'data');
  try {
    const store = await createStore({ dataDir });
    try {
      await store.ensureTenant('ten_p', isoAt(0));
      const tpl = templateFixture('ten_p');
      await store.insertTemplate(tpl);
      const build = buildFixture(tpl);
      await store.insertBuild(build);

      await Promise.all([
        appendFromChild(dataDir, build.id, 30, 'a'),
        appendFromChild(dataDir, build.id, 30, 'b'),
        appendFromChild(dataDir, build.id, 30, 'c'),
        Promise.all(Array.from({ length: 30 }, (_, i) => store.appendLog(build.id, { message: `p${i}` }))),
      ]);

      const logs = await store.listLogs(build.id, 0, 1000);
      assert.deepEqual(logs.map((e) => e.offset), Array.from({ length: 120 }, (_, i) => i));
      const messages = new Set(logs.map((e) => e.entry.message));
      assert.equal(messages.size, 120);
      for (const prefix of ['a', 'b', 'c', 'p']) assert.ok(messages.has(`${prefix}29`));
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
