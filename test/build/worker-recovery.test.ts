import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startKiln } from '../fixtures/kiln-server.ts';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { busyboxImage, manyFilesImage } from '../fixtures/images/test-images.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';

let reg: RegistryFixture;
let dataDir: string;
before(async () => {
  reg = await startRegistry();
  await pushImage(reg, 'kiln/busybox', '1', await busyboxImage());
  await pushImage(reg, 'kiln/many', '1', await manyFilesImage());
  dataDir = await mkdtemp(path.join(tmpdir(), 'kiln-recovery-'));
});
after(async () => {
  await reg?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('a build whose worker died is run again on the next start, as attempt 2 with a retry entry', async () => {
  const env = { KILN_INSECURE_REGISTRIES: reg.host };
  const first = await startKiln(env, { dataDir });
  const res = await first.request('POST', '/v1/templates/builds', { body: { name: 'survivor', base_image: `${reg.host}/kiln/busybox:1` } });
  assert.equal(res.status, 202);
  const id = res.body.build_id;
  // A worker leased it, started it, and died: its lease has run out.
  const store = first.server.store;
  const lease = await store.leaseJob({ workerId: 'gone:1:aaaaaa', now: new Date().toISOString(), leaseExpiresAt: new Date(Date.now() - 1000).toISOString(), executors: ['image_import'] });
  assert.equal(lease?.build_id, id);
  await store.updateBuild('tenant-a', id, { status: 'building', started_at: new Date().toISOString() });
  await first.close();

  const second = await startKiln({ ...env, KILN_WORKER: 'embedded' }, { dataDir });
  try {
    const b = await waitForBuild(second, id);
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
    assert.equal(b.attempt, 2);
    const kinds = b.log_entries.map((e: { kind: string }) => e.kind);
    assert.equal(kinds[0], 'retry');
    assert.equal(b.log_entries[0].phase, 'retry');
    assert.equal(b.log_entries[0].attempt, 2);
    assert.equal(kinds.at(-1), 'end');
    assert.deepEqual(b.log_entries.map((e: { offset: number }) => e.offset), kinds.map((_: unknown, i: number) => i));
  } finally {
    await second.close();
  }
});

test('cancelling a build that is running ends it with cancelled and end entries, nothing after', async () => {
  const kiln = await startKiln({ KILN_INSECURE_REGISTRIES: reg.host, KILN_WORKER: 'embedded' });
  try {
    const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'stop-me', base_image: `${reg.host}/kiln/many:1` } });
    for (let i = 0; i < 300; i++) {
      const b = await kiln.request('GET', `/v1/templates/builds/${res.body.build_id}`);
      if (b.body.status !== 'waiting') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const cancel = await kiln.request('POST', `/v1/templates/builds/${res.body.build_id}/cancel`, { body: { reason: 'changed plans' } });
    assert.equal(cancel.status, 200, cancel.text);
    const b = await waitForBuild(kiln, res.body.build_id);
    assert.equal(b.status, 'cancelled');
    assert.ok(b.log_entries.some((e: { kind: string }) => e.kind === 'start'), 'it was running when cancelled');
    const kinds = b.log_entries.map((e: { kind: string }) => e.kind);
    assert.deepEqual(kinds.slice(-2), ['cancelled', 'end']);
    assert.equal(kinds.filter((k: string) => k === 'end').length, 1);
    assert.equal(b.cancel_reason, 'changed plans');
  } finally {
    await kiln.close();
  }
});
