/**
 * The SDK against a real Kiln server with its embedded worker and the builtin busybox base:
 * builds with steps and a start command, logs (callback, SSE iterator with follow and reconnect,
 * status offsets), cancel, failure, retry with fresh secrets, promote, validate, plan, history.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import {
  BuildCancelledError, BuildError, ConflictError, Template, TemplateBuild, ValidationError, waitForPort, type ConnectionOptions, type LogEntry,
} from '../../packages/sdk/src/index.ts';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { KEY_A, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';

let kiln: KilnFixture;
let dataDir: string;
let conn: ConnectionOptions;

before(async () => {
  dataDir = await dataDirWithBusybox();
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
  conn = { apiKey: KEY_A, apiUrl: kiln.url };
});
after(async () => {
  await kiln?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const site = () => Template.fromTemplate('kiln/busybox')
  .makeDir('/www')
  .runCmd('echo sdk-step-output && echo hello > /www/index.html')
  .setEnvs({ GREETING: 'hi there' })
  .setWorkdir('/www')
  .setStartCmd('busybox httpd -f -p 8080 -h /www', waitForPort(8080, { timeoutSecs: 20, intervalMs: 100 }));

const dense = (entries: LogEntry[], from = 0) => entries.every((e, i) => e.offset === from + i);

describe('building with the SDK', () => {
  let siteBuildId: string;

  test('Template.build runs the steps and the start command, waits for the port, and streams every entry to onLog', async () => {
    const seen: LogEntry[] = [];
    const info = await Template.build(site(), 'sdk-site', { ...conn, tags: ['v1'], onLog: (e) => seen.push(e) });
    siteBuildId = info.build_id;
    assert.equal(info.status, 'ready');
    assert.equal(info.source_type, 'template_base');
    assert.deepEqual(info.tags, ['v1']);
    assert.equal(info.runtime_defaults.start_cmd, 'busybox httpd -f -p 8080 -h /www');
    assert.equal(info.runtime_defaults.readiness?.kind, 'tcp');
    assert.equal(info.runtime_defaults.readiness?.port, 8080);
    assert.ok(seen.length > 3 && dense(seen), 'onLog saw every entry in order');
    assert.equal(seen.at(-1)?.kind, 'end');
    assert.ok(seen.some((e) => e.message === 'sdk-step-output' && e.phase === 'step'), 'step output reaches onLog');
    assert.ok(seen.some((e) => e.phase === 'readiness'));
    const files = await rootfsEntries(kiln, info.build_id);
    assert.equal(files.get('www/index.html')?.content, 'hello\n');
  });

  test('logs() replays and follows over SSE; getStatus pages the same entries by offset', async () => {
    const build = await Template.buildInBackground(
      Template.fromTemplate('kiln/busybox').runCmd('for i in 1 2 3; do echo line-$i; sleep 0.2; done').skipCache(), 'sdk-logs', conn);
    assert.equal(build.info.status, 'waiting');
    const followed: LogEntry[] = [];
    for await (const e of build.logs({ follow: true })) followed.push(e);
    assert.equal(followed.at(-1)?.kind, 'end');
    assert.ok(dense(followed));
    assert.deepEqual(followed.filter((e) => e.message.startsWith('line-')).map((e) => e.message), ['line-1', 'line-2', 'line-3']);

    const whole = await build.getStatus({ offset: 0 });
    assert.equal(whole.status, 'ready');
    assert.deepEqual(whole.log_entries, followed);
    assert.equal(whole.next_log_offset, followed.length);
    const mid = Math.floor(followed.length / 2);
    const rest = await build.getStatus({ offset: mid });
    assert.equal(rest.log_entries[0].offset, mid);
    assert.equal(rest.next_log_offset, followed.length);
    const page = await build.getStatus({ offset: mid, limit: 2 });
    assert.deepEqual(page.log_entries.map((e) => e.offset), [mid, mid + 1]);
    assert.equal(page.next_log_offset, mid + 2);

    const replay: LogEntry[] = [];
    for await (const e of build.logs({ offset: mid })) replay.push(e);
    assert.deepEqual(replay, followed.slice(mid));
  });

  test('a log stream that breaks is resumed after the last entry with Last-Event-ID, without repeating entries', async () => {
    const requests: { url: string; lastEventId: string | null }[] = [];
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = String(input);
      if (!url.includes('/logs')) return res;
      requests.push({ url, lastEventId: new Headers(init?.headers).get('last-event-id') });
      if (requests.length > 1) return res;
      // The first connection delivers two whole frames and half a third, then fails.
      const text = await res.text();
      const frames = text.split('\n\n');
      const cut = `${frames.slice(0, 2).join('\n\n')}\n\n${frames[2].slice(0, 10)}`;
      let pulls = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulls++ === 0) controller.enqueue(new TextEncoder().encode(cut));
          else controller.error(new TypeError('terminated'));
        },
      });
      return new Response(body, { status: 200, headers: res.headers });
    };
    const build = await TemplateBuild.connect(siteBuildId, { ...conn, fetch: flaky });
    const all: LogEntry[] = [];
    for await (const e of build.logs({ follow: true })) all.push(e);
    assert.ok(dense(all), `entries ${all.map((e) => e.offset).join(',')}`);
    assert.equal(all.at(-1)?.kind, 'end');
    assert.equal(requests.length, 2);
    assert.equal(requests[0].lastEventId, null);
    assert.match(requests[0].url, /offset=0/);
    assert.equal(requests[1].lastEventId, '1');
    assert.doesNotMatch(requests[1].url, /offset=/);
  });

  test('cancel: a running build stops, Template.build throws BuildCancelledError, and a second cancel is a conflict', async () => {
    let buildId: string | undefined;
    let cancelling: Promise<unknown> | undefined;
    const slow = Template.fromTemplate('kiln/busybox').runCmd('echo sleeping-now; sleep 300').skipCache();
    const pending = Template.build(slow, 'sdk-cancel', {
      ...conn,
      onLog: (e) => {
        buildId = e.build_id;
        if (e.message === 'sleeping-now' && !cancelling) cancelling = TemplateBuild.connect(e.build_id, conn).then((b) => b.cancel('stopped by the sdk test'));
      },
    });
    await assert.rejects(pending, (err: unknown) => {
      assert.ok(err instanceof BuildCancelledError, String(err));
      assert.equal(err.code, 'build_cancelled');
      assert.equal(err.buildId, buildId);
      assert.match(err.message, /stopped by the sdk test/);
      return true;
    });
    await cancelling;
    const build = await TemplateBuild.connect(buildId!, conn);
    assert.equal(build.info.status, 'cancelled');
    assert.equal(build.info.cancel_reason, 'stopped by the sdk test');
    const entries: LogEntry[] = [];
    for await (const e of build.logs()) entries.push(e);
    assert.ok(entries.some((e) => e.kind === 'cancelled'), 'a durable cancelled entry');
    await assert.rejects(build.cancel('again'), (err: unknown) => err instanceof ConflictError && err.code === 'build_not_cancellable' && err.status === 409);
  });

  test('a failing step throws BuildError with the error detail; promoting that build is a conflict', async () => {
    let failedId = '';
    const failing = Template.fromTemplate('kiln/busybox').runCmd('true').runCmd('echo last-words >&2; exit 7');
    await assert.rejects(Template.build(failing, 'sdk-fail', { ...conn, onLog: (e) => { failedId = e.build_id; } }), (err: unknown) => {
      assert.ok(err instanceof BuildError && !(err instanceof BuildCancelledError), String(err));
      assert.equal(err.code, 'step_failed');
      assert.equal(err.phase, 'step');
      assert.equal(err.errorDetail?.step_index, 2);
      assert.match(err.message, /exited with code 7/);
      return true;
    });
    const failed = await TemplateBuild.connect(failedId, conn);
    await assert.rejects(failed.promote('stable'), (err: unknown) => err instanceof ConflictError && err.code === 'build_not_promotable');
    const info = await failed.waitUntilTerminal();
    assert.equal(info.status, 'error', 'waitUntilTerminal returns a failed build without throwing');
  });

  test('retry starts a new build from the stored definition; a build secret must be given again', async () => {
    const dockerfile = 'FROM kiln/busybox\nRUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /token-length\n';
    // skipCache: secret values never enter the whole-build cache key, so an unchanged definition would reuse the first artifact.
    const first = await Template.build(Template.fromDockerfile(dockerfile).buildSecret('tok', 'abc').skipCache(), 'sdk-secret', conn);
    assert.equal(first.build_backend, 'buildkit');
    assert.equal((await rootfsEntries(kiln, first.build_id)).get('token-length')?.content?.trim(), '3');

    const handle = await TemplateBuild.connect(first.build_id, conn);
    await assert.rejects(handle.retry(), (err: unknown) => err instanceof ValidationError && err.code === 'retry_requires_secrets' && /tok/.test(err.message));
    const again = await handle.retry({ tags: ['retried'], buildSecrets: { tok: 'abcdefg' } });
    assert.notEqual(again.buildId, first.build_id);
    const info = await again.waitUntilTerminal();
    assert.equal(info.status, 'ready', JSON.stringify(info.error_detail));
    assert.equal(info.triggered_by, `retry:${first.build_id}`);
    assert.deepEqual(info.tags, ['retried']);
    assert.equal((await rootfsEntries(kiln, info.build_id)).get('token-length')?.content?.trim(), '7');
  });

  test('promote moves a tag to a ready build; listBuilds shows the history newest first', async () => {
    const second = await Template.build(site().skipCache(), 'sdk-site', { ...conn, tags: ['v2'] });
    const first = await TemplateBuild.connect(siteBuildId, conn);
    const promoted = await first.promote('stable');
    assert.ok(promoted.tags.includes('stable'));
    assert.equal(first.info.build_id, siteBuildId);

    const page = await Template.listBuilds('sdk-site', conn);
    assert.deepEqual(page.builds.map((b) => b.build_id), [second.build_id, siteBuildId]);
    assert.ok(page.builds[1].tags.includes('stable'));
    const one = await Template.listBuilds('sdk-site', { ...conn, limit: 1 });
    assert.equal(one.builds.length, 1);
    assert.ok(one.next_cursor);
    const next = await Template.listBuilds('sdk-site', { ...conn, limit: 1, cursor: one.next_cursor! });
    assert.equal(next.builds[0].build_id, siteBuildId);
    const failed = await Template.listBuilds('sdk-fail', { ...conn, status: 'error' });
    assert.equal(failed.builds.length, 1);
  });

  test('validate lists every problem; plan shows the Dockerfile the server generates, as toDockerfile renders it', async () => {
    const bad = Template.fromTemplate('kiln/busybox').aptInstall('-oops').setUser('a b');
    const v = await Template.validate(bad, conn);
    assert.equal(v.valid, false);
    assert.deepEqual(v.errors.map((e) => e.field), ['steps[0].packages[0]', 'steps[1].user']);
    assert.ok((await Template.validate(site(), conn)).valid);

    const t = site();
    const plan = await Template.plan(t, { ...conn, name: 'sdk-plan' });
    assert.equal(plan.source_type, 'template_base');
    assert.equal(plan.build_plan.start_cmd, 'busybox httpd -f -p 8080 -h /www');
    assert.equal(plan.build_plan.readiness?.port, 8080);
    const rendered = t.toDockerfile().split('\n').filter((l) => !l.startsWith('CMD ') && !l.startsWith('#')).join('\n');
    assert.equal(plan.generated_dockerfile, rendered);
    await assert.rejects(Template.build(bad, 'sdk-bad', conn), (err: unknown) => err instanceof ValidationError && err.problems.length === 2 && err.status === 400);
  });

  test('the connection falls back to KILN_API_KEY and KILN_API_URL', async () => {
    const saved = { key: process.env.KILN_API_KEY, url: process.env.KILN_API_URL };
    process.env.KILN_API_KEY = KEY_A;
    process.env.KILN_API_URL = kiln.url;
    try {
      const build = await TemplateBuild.connect(siteBuildId);
      assert.equal(build.info.name, 'sdk-site');
    } finally {
      if (saved.key === undefined) delete process.env.KILN_API_KEY; else process.env.KILN_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.KILN_API_URL; else process.env.KILN_API_URL = saved.url;
    }
  });
});
