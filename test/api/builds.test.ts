import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

const BUILD_FIELDS = [
  'build_id', 'template_id', 'name', 'tags', 'canonical_ref', 'namespace_slug', 'created_at', 'updated_at',
  'queued_at', 'started_at', 'finished_at', 'duration_ms', 'triggered_by', 'status', 'build_backend', 'source_type',
  'visibility', 'failure_phase', 'error', 'error_detail', 'source_digest', 'context_digest', 'dockerfile_digest',
  'build_config', 'cache_summary', 'artifact_availability', 'promotability', 'retention_expires_at', 'artifact_ids',
  'runtime_defaults', 'oci_metadata',
];

describe('builds', () => {
  test('start answers 202 with the whole build object, waiting', async () => {
    const res = await kiln.request('POST', '/v1/templates/builds', {
      body: { alias: 'web', dockerfile: 'FROM debian:bookworm\nENV SECRET_LOOKING=value\nLABEL a=b\nEXPOSE 80\nCMD ["nginx"]\n' },
    });
    assert.equal(res.status, 202, res.text);
    const b = res.body;
    for (const f of BUILD_FIELDS) assert.ok(f in b, `missing ${f}`);
    assert.match(b.build_id, /^tb_/);
    assert.match(b.template_id, /^tmpl_/);
    assert.equal(b.name, 'web');
    assert.deepEqual(b.tags, ['default']);
    assert.equal(b.status, 'waiting');
    assert.equal(b.build_backend, 'buildkit');
    assert.equal(b.source_type, 'dockerfile');
    assert.equal(b.visibility, 'private');
    assert.equal(b.canonical_ref, `tenant-a/web:${b.build_id}`);
    assert.deepEqual(b.build_config, { vcpus: 2, memory_mib: 2048, disk_mb: 10240, internet_access: true });
    assert.equal(Object.keys(b.cache_summary).length, 12);
    assert.ok(Object.values(b.cache_summary).every((v) => v === 0));
    assert.deepEqual(b.runtime_defaults.default_env_keys, ['SECRET_LOOKING']);
    assert.ok(!JSON.stringify(b.runtime_defaults).includes('value'), 'env values are never returned');
    assert.equal(b.runtime_defaults.start_cmd, 'nginx');
    assert.deepEqual(b.oci_metadata.labels, { a: 'b' });
    assert.deepEqual(b.oci_metadata.exposed_ports, ['80/tcp']);
    assert.deepEqual(b.artifact_availability, { available: false, reason: 'build_not_ready' });
    assert.equal(b.promotability.promotable, false);
    assert.ok(b.queued_at && !b.started_at && !b.finished_at);

    const got = await kiln.request('GET', `/v1/templates/builds/${b.build_id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.build_id, b.build_id);
    assert.deepEqual(got.body.log_entries, []);
  });

  test('a second build with the same name reuses the template', async () => {
    const one = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'reuse', base_image: 'debian:bookworm' } });
    const two = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'reuse', base_image: 'debian:bookworm', tags: ['v2'] } });
    assert.equal(one.body.template_id, two.body.template_id);
    assert.notEqual(one.body.build_id, two.body.build_id);
    assert.deepEqual(two.body.tags, ['v2']);
  });

  test('history pages newest first with status and backend filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = i % 2 ? { name: 'hist', dockerfile: `FROM debian:bookworm\nRUN echo ${i}\n` } : { name: 'hist', base_image: 'debian:bookworm' };
      const res = await kiln.request('POST', '/v1/templates/builds', { body });
      ids.push(res.body.build_id);
    }
    await kiln.request('POST', `/v1/templates/builds/${ids[4]}/cancel`, { body: { reason: 'no' } });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/templates/hist/builds?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await kiln.request('GET', q);
      assert.equal(page.status, 200, page.text);
      assert.ok(page.body.builds.length <= 2);
      seen.push(...page.body.builds.map((b: { build_id: string }) => b.build_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());

    const buildkit = await kiln.request('GET', '/v1/templates/hist/builds?backend=buildkit');
    assert.deepEqual(buildkit.body.builds.map((b: { build_id: string }) => b.build_id), [ids[3], ids[1]]);
    const cancelled = await kiln.request('GET', '/v1/templates/hist/builds?status=cancelled');
    assert.deepEqual(cancelled.body.builds.map((b: { build_id: string }) => b.build_id), [ids[4]]);
    const bad = await kiln.request('GET', '/v1/templates/hist/builds?status=melted');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_request');
    const badCursor = await kiln.request('GET', '/v1/templates/hist/builds?cursor=%%%');
    assert.equal(badCursor.status, 400);
  });

  test('cancel of a waiting build is durable, with a cancelled entry; a second cancel is a 409', async () => {
    const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'cancel-me', base_image: 'debian:bookworm' } });
    const id = res.body.build_id;
    const cancel = await kiln.request('POST', `/v1/templates/builds/${id}/cancel`, { body: { reason: 'changed my mind' } });
    assert.equal(cancel.status, 200, cancel.text);
    assert.equal(cancel.body.build.status, 'cancelled');
    assert.equal(cancel.body.build.cancel_reason, 'changed my mind');
    assert.ok(cancel.body.build.finished_at);

    const got = await kiln.request('GET', `/v1/templates/builds/${id}`);
    assert.equal(got.body.status, 'cancelled');
    const entries = got.body.log_entries;
    assert.deepEqual(entries.map((e: { offset: number }) => e.offset), [0, 1]);
    assert.equal(entries[0].kind, 'cancelled');
    assert.match(entries[0].message, /changed my mind/);
    assert.equal(entries[1].kind, 'end');
    assert.equal(entries[1].result, 'cancelled');
    for (const e of entries) {
      for (const f of ['build_id', 'template_id', 'offset', 'timestamp', 'kind', 'level', 'message']) assert.ok(f in e, f);
    }
    const fromOne = await kiln.request('GET', `/v1/templates/builds/${id}?offset=1`);
    assert.deepEqual(fromOne.body.log_entries.map((e: { offset: number }) => e.offset), [1]);

    const again = await kiln.request('POST', `/v1/templates/builds/${id}/cancel`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'build_not_cancellable');
  });

  test('an invalid build request is a 400 and creates nothing', async () => {
    const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'never', tags: [] , base_image: 'debian:bookworm' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'invalid_tags');
    const history = await kiln.request('GET', '/v1/templates/never/builds');
    assert.equal(history.status, 404);
  });
});
