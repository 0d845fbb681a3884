/**
 * The store conformance suite: node:test tests every Store implementation must pass, run by each
 * backend's test file against a fresh database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../errors/errors.ts';
import { artifactFixture, buildFixture, contextFixture, isoAt, templateFixture, uniqueId } from './store-fixtures.ts';
import type { BuildRecord, BuildStatus, Store, TemplateRecord } from './store.ts';
import { templateRefStoreTests } from './template-store-suite.ts';

/** Asserts that a promise rejects with a KilnError of the given code. */
async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof KilnError && err.code === code);
}

/** Registers the conformance tests for one Store backend; `open` gives a migrated, empty store. */
export function runStoreSuite(name: string, open: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;

    before(async () => { store = await open(); });
    after(async () => {
      await store?.close();
      await cleanup?.();
    });

    /** A new tenant with one template. */
    async function tenantWithTemplate(over: Partial<TemplateRecord> = {}): Promise<TemplateRecord> {
      const tenant = uniqueId('ten');
      await store.ensureTenant(tenant, isoAt(0));
      const tpl = templateFixture(tenant, over);
      await store.insertTemplate(tpl);
      return tpl;
    }

    test('tenants and API keys: idempotent writes, lookups and counts', async () => {
      const tenant = uniqueId('ten');
      await store.ensureTenant(tenant, isoAt(0));
      await store.ensureTenant(tenant, isoAt(99));
      const before = await store.countApiKeys();
      const key = { key_hash: 'h'.repeat(60) + uniqueId('k').slice(-4), tenant_id: tenant, created_at: isoAt(1) };
      await store.putApiKey(key);
      await store.putApiKey(key);
      assert.deepEqual(await store.findApiKey(key.key_hash), key);
      assert.equal(await store.findApiKey('nope'), undefined);
      assert.equal(await store.countApiKeys(), before + 1);

      const other = uniqueId('ten');
      await store.ensureTenant(other, isoAt(0));
      await rejectsWithCode(store.putApiKey({ ...key, tenant_id: other }), 'conflict');
      assert.equal((await store.findApiKey(key.key_hash))?.tenant_id, tenant);
    });

    test('templates: insert, lookup by id and name, touch, conflict on a duplicate name', async () => {
      const tpl = await tenantWithTemplate({ description: 'déjà vu ✓' });
      assert.deepEqual(await store.getTemplate(tpl.tenant_id, tpl.id), tpl);
      assert.deepEqual(await store.findTemplateByName(tpl.tenant_id, tpl.name), tpl);
      await store.touchTemplate(tpl.tenant_id, tpl.id, isoAt(50));
      assert.equal((await store.getTemplate(tpl.tenant_id, tpl.id))?.updated_at, isoAt(50));

      const dup = templateFixture(tpl.tenant_id, { name: tpl.name });
      await rejectsWithCode(store.insertTemplate(dup), 'conflict');
      assert.equal(await store.getTemplate(tpl.tenant_id, dup.id), undefined);

      const otherTenant = uniqueId('ten');
      await store.ensureTenant(otherTenant, isoAt(0));
      const sameName = templateFixture(otherTenant, { name: tpl.name });
      await store.insertTemplate(sameName);
      assert.deepEqual(await store.findTemplateByName(otherTenant, tpl.name), sameName);
    });

    test('tenant isolation: another tenant reads templates, builds and contexts as absent', async () => {
      const tpl = await tenantWithTemplate();
      const build = buildFixture(tpl);
      await store.insertBuild(build);
      const ctx = contextFixture(tpl.tenant_id);
      await store.insertContextManifest(ctx);

      const intruder = uniqueId('ten');
      await store.ensureTenant(intruder, isoAt(0));
      assert.equal(await store.getTemplate(intruder, tpl.id), undefined);
      assert.equal(await store.findTemplateByName(intruder, tpl.name), undefined);
      assert.equal(await store.getBuild(intruder, build.id), undefined);
      assert.equal(await store.getContextManifest(intruder, ctx.id), undefined);
      assert.equal(await store.updateBuild(intruder, build.id, { status: 'cancelled' }), undefined);
      await store.touchTemplate(intruder, tpl.id, isoAt(77));
      const page = await store.listBuilds({ tenant_id: intruder, template_id: tpl.id, limit: 10 });
      assert.deepEqual(page, { builds: [], next_cursor: null });

      assert.equal((await store.getBuild(tpl.tenant_id, build.id))?.status, 'waiting');
      assert.equal((await store.getTemplate(tpl.tenant_id, tpl.id))?.updated_at, tpl.updated_at);
    });

    test('builds: every field round-trips (unicode and nested JSON, booleans, nulls)', async () => {
      const tpl = await tenantWithTemplate();
      const plain = buildFixture(tpl);
      const full = buildFixture(tpl, {
        status: 'error',
        build_backend: 'buildkit',
        source_type: 'dockerfile',
        tags: ['ünïcödé', 'x'],
        context_digest: 'sha256:' + '1'.repeat(64),
        dockerfile_digest: 'sha256:' + '2'.repeat(64),
        runtime_defaults: { env: { LANG: 'C.UTF-8', 'EMOJI_😀': '🔥' }, workdir: '/app', user: null },
        oci_metadata: { config: { Labels: { a: 'b' }, ExposedPorts: { '80/tcp': {} } } },
        requires_base_image_auth: true,
        attempt: 3,
        started_at: isoAt(11),
        finished_at: isoAt(12),
        failure_phase: 'step',
        error_detail: { code: 'step_failed', message: 'exit 1: «nope»', phase: 'step', step_index: 2, retryable: false },
        cancel_reason: 'user asked',
        cache_summary: { hits: 2, misses: 1 },
      });
      await store.insertBuild(plain);
      await store.insertBuild(full);
      assert.deepEqual(await store.getBuild(tpl.tenant_id, plain.id), plain);
      assert.deepEqual(await store.getBuild(tpl.tenant_id, full.id), full);
      assert.equal((await store.getBuild(tpl.tenant_id, full.id))?.requires_base_image_auth, true);
      assert.equal((await store.getBuild(tpl.tenant_id, plain.id))?.requires_base_image_auth, false);
      assert.equal(await store.getBuild(tpl.tenant_id, uniqueId('bld')), undefined);
    });

    test('updateBuild: applies a patch, and with ifStatus is a compare-and-set', async () => {
      const tpl = await tenantWithTemplate();
      const build = buildFixture(tpl);
      await store.insertBuild(build);

      const started = await store.updateBuild(tpl.tenant_id, build.id,
        { status: 'building', started_at: isoAt(20), updated_at: isoAt(20) }, ['waiting']);
      assert.deepEqual(started, { ...build, status: 'building', started_at: isoAt(20), updated_at: isoAt(20) });

      const lost = await store.updateBuild(tpl.tenant_id, build.id, { status: 'cancelled' }, ['waiting']);
      assert.equal(lost, undefined);
      assert.equal((await store.getBuild(tpl.tenant_id, build.id))?.status, 'building');
      assert.equal(await store.updateBuild(tpl.tenant_id, build.id, { status: 'cancelled' }, []), undefined);

      const detail = { code: 'step_failed', message: 'boom ✗', phase: 'step', step_index: 0, retryable: true };
      const failed = await store.updateBuild(tpl.tenant_id, build.id, {
        status: 'error', finished_at: isoAt(30), failure_phase: 'step', error_detail: detail,
        cache_summary: { hits: 0, misses: 4 }, attempt: 1,
        runtime_defaults: { cmd: ['python', '-m', 'http.server'] }, oci_metadata: { digest: 'sha256:x' },
      }, ['building', 'waiting']);
      assert.deepEqual(failed?.error_detail, detail);
      assert.deepEqual(failed?.cache_summary, { hits: 0, misses: 4 });
      assert.deepEqual(failed?.runtime_defaults, { cmd: ['python', '-m', 'http.server'] });
      assert.equal(failed?.attempt, 1);
      assert.deepEqual(await store.getBuild(tpl.tenant_id, build.id), failed);

      const cleared = await store.updateBuild(tpl.tenant_id, build.id, { error_detail: null, failure_phase: null });
      assert.equal(cleared?.error_detail, null);
      assert.equal(cleared?.failure_phase, null);
      assert.equal(cleared?.status, 'error');

      const concurrent = await Promise.all(Array.from({ length: 5 }, () =>
        store.updateBuild(tpl.tenant_id, build.id, { status: 'ready' }, ['error'])));
      assert.equal(concurrent.filter((b) => b !== undefined).length, 1);
      assert.equal(await store.updateBuild(tpl.tenant_id, uniqueId('bld'), { status: 'ready' }), undefined);
    });

    test('listBuilds: newest first, keyset cursor across pages, filters', async () => {
      const tpl = await tenantWithTemplate();
      const other = templateFixture(tpl.tenant_id);
      await store.insertTemplate(other);
      await store.insertBuild(buildFixture(other, { created_at: isoAt(500) }));

      const statuses: BuildStatus[] = ['ready', 'error', 'ready', 'ready', 'cancelled', 'ready', 'ready', 'error'];
      const builds: BuildRecord[] = statuses.map((status, i) => buildFixture(tpl, {
        id: `bld_${tpl.id}_${String(i).padStart(2, '0')}`,
        status,
        build_backend: i % 2 === 0 ? 'native' : 'buildkit',
        // Pairs share a timestamp, so ordering falls back to the id.
        created_at: isoAt(100 + Math.floor(i / 2)),
      }));
      for (const b of [...builds].reverse()) await store.insertBuild(b);
      const newestFirst = [...builds].reverse().map((b) => b.id);

      const seen: string[] = [];
      let cursor: string | undefined;
      const pageSizes: number[] = [];
      do {
        const page = await store.listBuilds({ tenant_id: tpl.tenant_id, template_id: tpl.id, limit: 3, cursor });
        pageSizes.push(page.builds.length);
        seen.push(...page.builds.map((b) => b.id));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      assert.deepEqual(pageSizes, [3, 3, 2]);
      assert.deepEqual(seen, newestFirst);

      const first = await store.listBuilds({ tenant_id: tpl.tenant_id, template_id: tpl.id, limit: 1 });
      assert.deepEqual(first.builds[0], builds[7]);

      const readyIds: string[] = [];
      const readyPageSizes: number[] = [];
      cursor = undefined;
      do {
        const page = await store.listBuilds({ tenant_id: tpl.tenant_id, template_id: tpl.id, status: 'ready', limit: 2, cursor });
        assert.ok(page.builds.every((b) => b.status === 'ready'));
        readyPageSizes.push(page.builds.length);
        readyIds.push(...page.builds.map((b) => b.id));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      assert.deepEqual(readyPageSizes, [2, 2, 1]);
      assert.deepEqual(readyIds, newestFirst.filter((id) => builds.find((b) => b.id === id)?.status === 'ready'));

      const buildkit = await store.listBuilds({ tenant_id: tpl.tenant_id, template_id: tpl.id, backend: 'buildkit', status: 'error', limit: 100 });
      assert.deepEqual(buildkit.builds.map((b) => b.id), [builds[7].id, builds[1].id]);
      assert.equal(buildkit.next_cursor, null);

      const exact = await store.listBuilds({ tenant_id: tpl.tenant_id, template_id: tpl.id, limit: 8 });
      assert.equal(exact.builds.length, 8);
      assert.equal(exact.next_cursor, null);

      await rejectsWithCode(store.listBuilds({ tenant_id: tpl.tenant_id, template_id: tpl.id, limit: 3, cursor: 'not-a-cursor' }), 'invalid_request');
    });

    test('appendLog: dense offsets from 0 under 50 concurrent appenders, independent per build', async () => {
      const tpl = await tenantWithTemplate();
      const a = buildFixture(tpl);
      const b = buildFixture(tpl);
      await store.insertBuild(a);
      await store.insertBuild(b);

      const appended = await Promise.all(Array.from({ length: 50 }, (_, i) => [
        store.appendLog(a.id, { kind: 'log', level: 'info', message: `a${i} ✓`, timestamp: isoAt(i) }),
        ...(i < 20 ? [store.appendLog(b.id, { kind: 'log', level: 'info', message: `b${i}`, timestamp: isoAt(i) })] : []),
      ]).flat());
      const offsetsA = appended.filter((e) => e.build_id === a.id).map((e) => e.offset).sort((x, y) => x - y);
      const offsetsB = appended.filter((e) => e.build_id === b.id).map((e) => e.offset).sort((x, y) => x - y);
      assert.deepEqual(offsetsA, Array.from({ length: 50 }, (_, i) => i));
      assert.deepEqual(offsetsB, Array.from({ length: 20 }, (_, i) => i));
      for (const e of appended) assert.equal(e.entry.offset, e.offset);

      const logsA = await store.listLogs(a.id, 0, 1000);
      assert.deepEqual(logsA.map((e) => e.offset), offsetsA);
      assert.deepEqual(logsA, appended.filter((e) => e.build_id === a.id).sort((x, y) => x.offset - y.offset));
      assert.deepEqual((await store.listLogs(a.id, 10, 5)).map((e) => e.offset), [10, 11, 12, 13, 14]);
      assert.deepEqual(await store.listLogs(a.id, 50, 10), []);
      assert.equal((await store.listLogs(b.id, 0, 100)).length, 20);

      const next = await store.appendLog(a.id, { kind: 'status', message: 'done', details: { nested: [1, { x: 'ÿ' }] } });
      assert.equal(next.offset, 50);
      assert.deepEqual(next.entry, { offset: 50, kind: 'status', message: 'done', details: { nested: [1, { x: 'ÿ' }] } });
      assert.deepEqual((await store.listLogs(a.id, 50, 1))[0], next);
    });

    test('context manifests: round-trip (64-bit sizes, file list) and duplicate digests', async () => {
      const tenant = uniqueId('ten');
      await store.ensureTenant(tenant, isoAt(0));
      const ctx = contextFixture(tenant);
      const again = contextFixture(tenant, { digest: ctx.digest });
      await store.insertContextManifest(ctx);
      await store.insertContextManifest(again);
      assert.deepEqual(await store.getContextManifest(tenant, ctx.id), ctx);
      assert.deepEqual(await store.getContextManifest(tenant, again.id), again);
      assert.equal(await store.getContextManifest(tenant, uniqueId('ctx')), undefined);
    });

    test('templates by names: one query returns the tenant\'s matches only', async () => {
      const tpl = await tenantWithTemplate();
      const other = await tenantWithTemplate();
      const found = await store.findTemplatesByNames(tpl.tenant_id, [tpl.name, other.name, 'no-such-name', tpl.name]);
      assert.deepEqual(found, [tpl]);
      assert.deepEqual(await store.findTemplatesByNames(tpl.tenant_id, []), []);
    });

    test('job leases: oldest first, filtered by source type, exclusive, renewable, and free again once expired', async () => {
      const tpl = await tenantWithTemplate();
      const older = buildFixture(tpl, { source_type: 'oci_import' });
      const newer = buildFixture(tpl, { source_type: 'oci_import' });
      const other = buildFixture(tpl, { source_type: 'dockerfile' });
      for (const b of [older, newer, other]) await store.insertBuild(b);
      await store.enqueueJob({ build_id: other.id, tenant_id: tpl.tenant_id, enqueued_at: isoAt(1), leased_by: null, lease_expires_at: null, attempts: 0, executor: 'buildkit' });
      await store.enqueueJob({ build_id: older.id, tenant_id: tpl.tenant_id, enqueued_at: isoAt(2), leased_by: null, lease_expires_at: null, attempts: 0, executor: 'image_import' });
      await store.enqueueJob({ build_id: newer.id, tenant_id: tpl.tenant_id, enqueued_at: isoAt(3), leased_by: null, lease_expires_at: null, attempts: 0, executor: 'image_import' });
      const lease = (workerId: string, now: number) => store.leaseJob({ workerId, now: isoAt(now), leaseExpiresAt: isoAt(now + 30), executors: ['image_import'] });

      const [a, b] = await Promise.all([lease('w1', 10), lease('w2', 10)]);
      assert.deepEqual(new Set([a?.build_id, b?.build_id]), new Set([older.id, newer.id]), 'two workers get two different jobs');
      const first = a?.build_id === older.id ? a : b;
      assert.equal(first?.attempts, 1);
      assert.equal(await lease('w3', 11), undefined, 'nothing free: the buildkit job is filtered out');
      assert.equal(await store.renewLease(older.id, first!.leased_by!, isoAt(100)), true);
      assert.equal(await store.renewLease(older.id, 'intruder', isoAt(100)), false);

      const again = await lease('w4', 50);
      assert.equal(again?.build_id, newer.id, 'the unrenewed lease expired; the renewed one did not');
      assert.equal(again?.attempts, 2);
      assert.equal(await store.leaseJob({ workerId: 'w5', now: isoAt(0), leaseExpiresAt: isoAt(1), executors: [] }), undefined);
    });

    test('context manifests by digest: the newest of the tenant, never another tenant\'s', async () => {
      const tenant = uniqueId('ten');
      const other = uniqueId('ten');
      await store.ensureTenant(tenant, isoAt(0));
      await store.ensureTenant(other, isoAt(0));
      const digest = 'sha256:' + 'e'.repeat(64);
      const older = contextFixture(tenant, { digest, created_at: isoAt(1) });
      const newer = contextFixture(tenant, { digest, created_at: isoAt(2) });
      await store.insertContextManifest(newer);
      await store.insertContextManifest(older);
      assert.deepEqual(await store.findContextManifestByDigest(tenant, digest), newer);
      assert.equal(await store.findContextManifestByDigest(other, digest), undefined);
      assert.equal(await store.findContextManifestByDigest(tenant, 'sha256:' + 'f'.repeat(64)), undefined);
    });

    test('build jobs: enqueue, get, remove', async () => {
      const tpl = await tenantWithTemplate();
      const build = buildFixture(tpl);
      await store.insertBuild(build);
      const job = { build_id: build.id, tenant_id: tpl.tenant_id, enqueued_at: isoAt(3), leased_by: null, lease_expires_at: null, attempts: 0, executor: 'image_import' };
      assert.equal(await store.getJob(build.id), undefined);
      await store.enqueueJob(job);
      assert.deepEqual(await store.getJob(build.id), job);
      assert.equal(await store.removeJob(build.id), true);
      assert.equal(await store.getJob(build.id), undefined);
      assert.equal(await store.removeJob(build.id), false);
    });

    test('artifacts: round-trip, tenant isolation, compare-and-set updates, builds pointing at them', async () => {
      const tpl = await tenantWithTemplate();
      const build = buildFixture(tpl);
      await store.insertBuild(build);
      const art = artifactFixture(build);
      await store.insertArtifact(art);
      assert.deepEqual(await store.getArtifact(tpl.tenant_id, art.id), art);
      assert.deepEqual(await store.getArtifacts(tpl.tenant_id, [art.id, uniqueId('art'), art.id]), [art]);
      assert.deepEqual(await store.getArtifacts(tpl.tenant_id, []), []);

      const intruder = uniqueId('ten');
      await store.ensureTenant(intruder, isoAt(0));
      assert.equal(await store.getArtifact(intruder, art.id), undefined);
      assert.deepEqual(await store.getArtifacts(intruder, [art.id]), []);
      assert.equal(await store.updateArtifact(intruder, art.id, { status: 'expired' }), undefined);

      const kept = await store.updateArtifact(tpl.tenant_id, art.id, { retention_expires_at: null });
      assert.equal(kept?.retention_expires_at, null);
      assert.equal(await store.updateArtifact(tpl.tenant_id, art.id, { status: 'missing' }, ['expired']), undefined);
      const expired = await store.updateArtifact(tpl.tenant_id, art.id, { status: 'expired' }, ['available']);
      assert.equal(expired?.status, 'expired');
      assert.deepEqual(await store.getArtifact(tpl.tenant_id, art.id), expired);

      const ready = await store.updateBuild(tpl.tenant_id, build.id, { artifact_id: art.id, tags: ['x', 'ÿ'] });
      assert.equal(ready?.artifact_id, art.id);
      assert.deepEqual(ready?.tags, ['x', 'ÿ']);
      const reuser = buildFixture(tpl, { artifact_id: art.id });
      await store.insertBuild(reuser);
      assert.deepEqual(await store.listBuildIdsByArtifact(tpl.tenant_id, art.id), [build.id, reuser.id].sort());
      assert.deepEqual(await store.listBuildIdsByArtifact(intruder, art.id), []);
    });

    test('findReusableArtifact: the newest available artifact of a ready build with the key, of this tenant only', async () => {
      const tpl = await tenantWithTemplate();
      const key = 'sha256:' + uniqueId('k').padEnd(64, '0').slice(0, 64);
      const readyBuild = buildFixture(tpl, { status: 'ready' });
      const failedBuild = buildFixture(tpl, { status: 'error' });
      await store.insertBuild(readyBuild);
      await store.insertBuild(failedBuild);
      const older = artifactFixture(readyBuild, { cache_key: key, created_at: isoAt(30) });
      const newer = artifactFixture(readyBuild, { cache_key: key, created_at: isoAt(40) });
      const gone = artifactFixture(readyBuild, { cache_key: key, created_at: isoAt(50), status: 'expired' });
      const ofFailed = artifactFixture(failedBuild, { cache_key: key, created_at: isoAt(60) });
      for (const a of [older, newer, gone, ofFailed]) await store.insertArtifact(a);
      assert.deepEqual(await store.findReusableArtifact(tpl.tenant_id, key), newer);
      assert.equal(await store.findReusableArtifact(tpl.tenant_id, 'sha256:' + '0'.repeat(64)), undefined);
      const intruder = uniqueId('ten');
      await store.ensureTenant(intruder, isoAt(0));
      assert.equal(await store.findReusableArtifact(intruder, key), undefined);
    });

    test('listExpiredArtifacts: available artifacts whose retention ended, oldest first; kept ones never', async () => {
      const tpl = await tenantWithTemplate();
      const build = buildFixture(tpl);
      await store.insertBuild(build);
      const far = 10_000_000;
      const due = [artifactFixture(build, { retention_expires_at: isoAt(far + 2) }), artifactFixture(build, { retention_expires_at: isoAt(far + 1) })];
      const later = artifactFixture(build, { retention_expires_at: isoAt(far + 100) });
      const kept = artifactFixture(build, { retention_expires_at: null });
      const collected = artifactFixture(build, { retention_expires_at: isoAt(far), status: 'expired' });
      for (const a of [...due, later, kept, collected]) await store.insertArtifact(a);
      const found = (await store.listExpiredArtifacts(isoAt(far + 50), 1000)).filter((a) => a.build_id === build.id);
      assert.deepEqual(found.map((a) => a.id), [due[1].id, due[0].id]);
      assert.equal((await store.listExpiredArtifacts(isoAt(far + 50), 0)).length, 0);
    });

    test('template tags: move atomically, report the build they left, make an artifact tagged, stay per tenant', async () => {
      const tpl = await tenantWithTemplate();
      const a = buildFixture(tpl, { status: 'ready' });
      const b = buildFixture(tpl, { status: 'ready' });
      await store.insertBuild(a);
      await store.insertBuild(b);
      const artA = artifactFixture(a);
      await store.insertArtifact(artA);
      await store.updateBuild(tpl.tenant_id, a.id, { artifact_id: artA.id });
      const tag = (t: string, buildId: string, at: number) => ({ tenant_id: tpl.tenant_id, template_id: tpl.id, tag: t, build_id: buildId, updated_at: isoAt(at) });

      assert.equal(await store.isArtifactTagged(tpl.tenant_id, artA.id), false);
      assert.equal(await store.moveTemplateTag(tag('v1', a.id, 1)), undefined);
      assert.equal(await store.moveTemplateTag(tag('v1', a.id, 2)), undefined, 'pointing at the same build again');
      assert.equal(await store.isArtifactTagged(tpl.tenant_id, artA.id), true);
      assert.equal(await store.moveTemplateTag(tag('v1', b.id, 3)), a.id);
      assert.equal(await store.isArtifactTagged(tpl.tenant_id, artA.id), false);
      assert.deepEqual(await store.getTemplateTag(tpl.tenant_id, tpl.id, 'v1'), tag('v1', b.id, 3));

      const targets = Array.from({ length: 6 }, (_, i) => (i % 2 ? a.id : b.id));
      const moves = await Promise.all(targets.map((id, i) => store.transaction((tx) => tx.moveTemplateTag(tag('race', id, 10 + i)))));
      moves.forEach((left, i) => assert.ok(left === undefined || (left !== targets[i] && [a.id, b.id].includes(left))));
      assert.ok([a.id, b.id].includes((await store.getTemplateTag(tpl.tenant_id, tpl.id, 'race'))!.build_id));
      assert.deepEqual((await store.listTemplateTags(tpl.tenant_id, tpl.id)).map((t) => t.tag), ['race', 'v1']);

      const intruder = uniqueId('ten');
      await store.ensureTenant(intruder, isoAt(0));
      assert.equal(await store.getTemplateTag(intruder, tpl.id, 'v1'), undefined);
      assert.deepEqual(await store.listTemplateTags(intruder, tpl.id), []);
      assert.equal(await store.isArtifactTagged(intruder, artA.id), false);
    });

    templateRefStoreTests(() => store);

    test('transaction: commits together, rolls back everything on throw, nests inline', async () => {
      const tenant = uniqueId('ten');
      await store.ensureTenant(tenant, isoAt(0));
      const tpl = templateFixture(tenant);
      const build = buildFixture(tpl);

      const boom = new Error('boom');
      await assert.rejects(store.transaction(async (tx) => {
        await tx.insertTemplate(tpl);
        await tx.insertBuild(build);
        await tx.appendLog(build.id, { message: 'inside' });
        await tx.enqueueJob({ build_id: build.id, tenant_id: tenant, enqueued_at: isoAt(1), leased_by: null, lease_expires_at: null, attempts: 0, executor: 'image_import' });
        assert.deepEqual(await tx.getBuild(tenant, build.id), build);
        throw boom;
      }), (err) => err === boom);
      assert.equal(await store.getTemplate(tenant, tpl.id), undefined);
      assert.equal(await store.getBuild(tenant, build.id), undefined);
      assert.deepEqual(await store.listLogs(build.id, 0, 10), []);
      assert.equal(await store.getJob(build.id), undefined);

      const result = await store.transaction(async (tx) => {
        await tx.insertTemplate(tpl);
        const inner = await tx.transaction(async (nested) => {
          await nested.insertBuild(build);
          return nested.appendLog(build.id, { message: 'nested' });
        });
        return inner.offset;
      });
      assert.equal(result, 0);
      assert.deepEqual(await store.getBuild(tenant, build.id), build);
      assert.equal((await store.listLogs(build.id, 0, 10)).length, 1);
    });
  });
}
