import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { startKilnProcess, type KilnProcess } from '../fixtures/kiln-process.ts';

let dataDir: string;
let kiln: KilnProcess | undefined;
before(async () => { dataDir = await dataDirWithBusybox(); });
after(async () => {
  await kiln?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

type Entry = { kind: string; message: string; offset: number; attempt?: number };

async function entries(k: KilnProcess, id: string): Promise<{ status: string; attempt: number; log_entries: Entry[] }> {
  return (await k.request('GET', `/v1/templates/builds/${id}`)).body;
}

test('kill -9 of the server during a native build: the next start runs it again as attempt 2, logs intact and dense', { timeout: 180_000 }, async () => {
  kiln = await startKilnProcess(dataDir);
  const res = await kiln.request('POST', '/v1/templates/builds', {
    name: 'crash-survivor', base_image: 'kiln/busybox',
    steps: [{ type: 'run', command: 'echo long-step-started; sleep 4; echo done > /done' }],
  });
  assert.equal(res.status, 202);
  const id = res.body.build_id;
  for (let i = 0; i < 300; i++) {
    if ((await entries(kiln, id)).log_entries.some((e) => e.message === 'long-step-started')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await kiln.kill9();

  kiln = await startKilnProcess(dataDir);
  let b = await entries(kiln, id);
  for (let i = 0; i < 900 && !['ready', 'error', 'cancelled'].includes(b.status); i++) {
    await new Promise((r) => setTimeout(r, 200));
    b = await entries(kiln, id);
  }
  assert.equal(b.status, 'ready', JSON.stringify(b.log_entries.map((e) => e.message)));
  assert.equal(b.attempt, 2);
  const log = b.log_entries;
  assert.deepEqual(log.map((e) => e.offset), log.map((_, i) => i), 'offsets are dense across both attempts');
  assert.equal(log.filter((e) => e.message === 'long-step-started').length, 2, 'the first attempt\'s entries are kept');
  const retry = log.find((e) => e.kind === 'retry');
  assert.ok(retry && retry.attempt === 2);
  assert.equal(log.at(-1)?.kind, 'end');
  const left = spawnSync('runc', ['--root', '/run/kiln-runc', 'list', '--quiet'], { encoding: 'utf8' }).stdout;
  assert.ok(!left.includes(id), `no container of the build is left: ${left}`);
});
