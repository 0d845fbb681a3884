import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createStore } from '../create-store.ts';
import { buildFixture, contextFixture, isoAt, templateFixture } from '../store-fixtures.ts';

test('sqlite store: closing and reopening the same data dir keeps everything', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-sqlite-restart-'));
  const dataDir = join(dir, 'data');
  try {
    const first = await createStore({ dataDir });
    await first.ensureTenant('ten_a', isoAt(0));
    await first.putApiKey({ key_hash: 'f'.repeat(64), tenant_id: 'ten_a', created_at: isoAt(0) });
    const tpl = templateFixture('ten_a');
    await first.insertTemplate(tpl);
    const build = buildFixture(tpl, { requires_base_image_auth: true });
    await first.insertBuild(build);
    await first.appendLog(build.id, { message: 'one' });
    await first.appendLog(build.id, { message: 'two' });
    const ctx = contextFixture('ten_a');
    await first.insertContextManifest(ctx);
    const job = { build_id: build.id, tenant_id: 'ten_a', enqueued_at: isoAt(1), leased_by: 'w1', lease_expires_at: isoAt(9), attempts: 2, executor: 'image_import' };
    await first.enqueueJob(job);
    await first.close();

    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    const raw = new DatabaseSync(join(dataDir, 'kiln.db'));
    assert.equal((raw.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    raw.close();

    const second = await createStore({ dataDir });
    try {
      assert.deepEqual(await second.findApiKey('f'.repeat(64)), { key_hash: 'f'.repeat(64), tenant_id: 'ten_a', created_at: isoAt(0) });
      assert.equal(await second.countApiKeys(), 1);
      assert.deepEqual(await second.getTemplate('ten_a', tpl.id), tpl);
      assert.deepEqual(await second.getBuild('ten_a', build.id), build);
      assert.deepEqual((await second.listLogs(build.id, 0, 10)).map((e) => e.entry), [
        { offset: 0, message: 'one' }, { offset: 1, message: 'two' },
      ]);
      assert.equal((await second.appendLog(build.id, { message: 'three' })).offset, 2);
      assert.deepEqual(await second.getContextManifest('ten_a', ctx.id), ctx);
      assert.deepEqual(await second.getJob(build.id), job);
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
