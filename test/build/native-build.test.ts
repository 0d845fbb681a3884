import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';
import { APP_CONTEXT, uploadContext } from '../fixtures/upload-context.ts';

let kiln: KilnFixture;
let dataDir: string;

before(async () => {
  dataDir = await dataDirWithBusybox();
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
});
after(async () => {
  await kiln?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function build(body: Record<string, unknown>) {
  const res = await kiln.request('POST', '/v1/templates/builds', { body });
  assert.equal(res.status, 202, res.text);
  return waitForBuild(kiln, res.body.build_id, { timeoutMs: 120_000 });
}

type Entry = { kind: string; message: string; phase?: string; step_index?: number; total_steps?: number; cache_kind?: string; cache_status?: string };
const messages = (b: { log_entries: Entry[] }) => b.log_entries.map((e) => e.message);

const USER_SETUP = "echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group && mkdir -p /home/app && chown 1000:1000 /home/app";

describe('native builds run declarative steps in runc containers over overlayfs layers', () => {
  let contextId: string;
  before(async () => { contextId = await uploadContext(kiln, APP_CONTEXT); });

  const steps = () => [
    { type: 'run', command: 'echo building-output-line && echo hello > /hello.txt' },
    { type: 'env', envs: { GREETING: 'hi there' } },
    { type: 'run', command: USER_SETUP },
    { type: 'workdir', path: '/srv/app' },
    { type: 'copy', src: 'app/', dest: '/srv/app/' },
    { type: 'user', user: 'app' },
    { type: 'run', command: 'echo "$GREETING" > /home/app/greeting && id -u > /home/app/uid && pwd > /home/app/pwd && ./run.sh > /home/app/ran' },
  ];

  test('steps run in order with their env, user and workdir; output streams into the log; files land in the rootfs', async () => {
    const b = await build({ name: 'native-app', base_image: 'kiln/busybox', steps: steps(), build_context: { context_manifest_id: contextId } });
    assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? messages(b)));
    assert.equal(b.build_backend, 'native');
    const out = b.log_entries.find((e: Entry) => e.message === 'building-output-line');
    assert.ok(out, 'RUN output is a log entry of its own');
    assert.equal(out.phase, 'step');
    assert.equal(out.step_index, 1);
    assert.ok(out.total_steps >= 7);
    assert.ok(b.cache_summary.layer_stores >= 4, JSON.stringify(b.cache_summary));

    const files = await rootfsEntries(kiln, b.build_id);
    assert.equal(files.get('hello.txt')?.content, 'hello\n');
    assert.equal(files.get('home/app/greeting')?.content, 'hi there\n');
    assert.equal(files.get('home/app/uid')?.content, '1000\n');
    assert.equal(files.get('home/app/pwd')?.content, '/srv/app\n');
    assert.equal(files.get('home/app/ran')?.content, 'from-context\n');
    assert.equal(files.get('srv/app/data/config.txt')?.content, 'answer=42\n');
    assert.equal((files.get('srv/app/run.sh')?.mode ?? 0) & 0o777, 0o755);
    assert.equal(files.get('home/app/uid')?.uid, 1000, 'files a step writes belong to its user');
  });

  test('a template used as a base: its layers are stacked as they are, and its env carries on', async () => {
    const child = await build({ name: 'native-child', base_image: 'native-app', steps: [{ type: 'run', command: 'cd && cat /hello.txt > from-parent && echo "$GREETING" >> from-parent && id -un >> from-parent' }] });
    assert.equal(child.status, 'ready', JSON.stringify(child.error_detail ?? messages(child)));
    assert.equal(child.source_type, 'template_base');
    assert.ok(child.log_entries.some((e: Entry) => e.cache_kind === 'layer' && e.cache_status === 'hit' && /template native-app/.test(e.message)));
    const files = await rootfsEntries(kiln, child.build_id);
    assert.equal(files.get('home/app/from-parent')?.content, 'hello\nhi there\napp\n');
    assert.equal(files.get('srv/app/data/config.txt')?.content, 'answer=42\n');

    const alone = await build({ name: 'native-alone', base_image: 'native-app' });
    assert.equal(alone.status, 'ready', JSON.stringify(alone.error_detail ?? messages(alone)));
    assert.equal((await rootfsEntries(kiln, alone.build_id)).get('home/app/greeting')?.content, 'hi there\n');

    const missing = await build({ name: 'native-orphan', base_image: 'native-app:no-such-tag', steps: [{ type: 'run', command: 'true' }] });
    assert.equal(missing.status, 'error');
    assert.equal(missing.error_detail.code, 'base_image_not_found');
  });

  test('an unchanged rebuild hits the layer cache for every step; skip_cache bypasses it', async () => {
    const again = await build({ name: 'native-app', base_image: 'kiln/busybox', steps: steps(), build_context: { context_manifest_id: contextId } });
    assert.equal(again.status, 'ready', JSON.stringify(messages(again)));
    const layerEntries = again.log_entries.filter((e: Entry) => e.cache_kind === 'layer' && e.phase === 'step');
    if (again.cache_summary.final_artifact_hits === 0) {
      assert.ok(layerEntries.length > 0);
      assert.ok(layerEntries.every((e: Entry) => e.cache_status === 'hit'), JSON.stringify(layerEntries));
      assert.equal(again.cache_summary.layer_misses, 0);
    }
    assert.ok(!messages(again).includes('building-output-line'), 'cached steps do not run again');

    const fresh = await build({ name: 'native-app', base_image: 'kiln/busybox', steps: steps(), build_context: { context_manifest_id: contextId }, skip_cache: true });
    assert.equal(fresh.status, 'ready', JSON.stringify(messages(fresh)));
    assert.ok(fresh.cache_summary.layer_bypasses >= 4, JSON.stringify(fresh.cache_summary));
    assert.equal(fresh.cache_summary.layer_hits, 1, 'only the unpacked base is reused');
    assert.ok(messages(fresh).includes('building-output-line'));
  });

  test('a failing RUN fails the build with step_failed, its step, exit code and last output lines', async () => {
    const b = await build({ name: 'native-fail', base_image: 'kiln/busybox', steps: [{ type: 'run', command: 'true' }, { type: 'run', command: 'echo first-words; echo last-words >&2; exit 7' }] });
    assert.equal(b.status, 'error');
    assert.equal(b.failure_phase, 'step');
    assert.equal(b.error_detail.code, 'step_failed');
    assert.equal(b.error_detail.step_index, 2);
    assert.match(b.error_detail.message, /exited with code 7/);
    assert.match(b.error_detail.message, /last-words/);
    assert.equal(b.error, b.error_detail.message);
    assert.equal(b.log_entries.at(-1).kind, 'end');
  });

  test('a step cannot reach services on the host\'s loopback; without internet_access it has no network at all', async () => {
    const port = new URL(kiln.url).port;
    const probe = `if nc -w 2 127.0.0.1 ${port} </dev/null; then echo HOST-REACHED; else echo host-unreachable; fi; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' '; echo`;
    const online = await build({ name: 'native-net', base_image: 'kiln/busybox', steps: [{ type: 'run', command: probe }] });
    assert.equal(online.status, 'ready', JSON.stringify(messages(online)));
    assert.ok(messages(online).includes('host-unreachable'));
    assert.ok(!messages(online).includes('HOST-REACHED'));
    assert.ok(messages(online).some((m: string) => /\btap0\b/.test(m)), 'the build network has its slirp4netns interface');

    const offline = await build({ name: 'native-net', base_image: 'kiln/busybox', steps: [{ type: 'run', command: probe }], build_config: { internet_access: false } });
    assert.equal(offline.status, 'ready', JSON.stringify(messages(offline)));
    assert.ok(messages(offline).includes('host-unreachable'));
    assert.ok(messages(offline).includes('lo '), JSON.stringify(messages(offline)));
  });

  test('memory_mib is enforced: a step that needs more is killed, and the error says why', async () => {
    const b = await build({ name: 'native-mem', base_image: 'kiln/busybox', steps: [{ type: 'run', command: 'head -c 400m /dev/zero | tail -c 400m > /dev/null' }], build_config: { memory_mib: 128 } });
    assert.equal(b.status, 'error', JSON.stringify(messages(b)));
    assert.equal(b.error_detail.code, 'step_failed');
    assert.match(b.error_detail.message, /memory/);
  });

  test('cancel during a long step stops it within seconds and leaves no container behind', async () => {
    const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'native-sleep', base_image: 'kiln/busybox', steps: [{ type: 'run', command: 'echo sleeping-now; sleep 300' }] } });
    const id = res.body.build_id;
    for (let i = 0; i < 600; i++) {
      const b = await kiln.request('GET', `/v1/templates/builds/${id}`);
      if (b.body.log_entries.some((e: Entry) => e.message === 'sleeping-now')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = Date.now();
    const cancel = await kiln.request('POST', `/v1/templates/builds/${id}/cancel`, { body: { reason: 'test stop' } });
    assert.equal(cancel.status, 200, cancel.text);
    const b = await waitForBuild(kiln, id);
    assert.equal(b.status, 'cancelled');
    const kinds = b.log_entries.map((e: Entry) => e.kind);
    assert.equal(kinds.at(-1), 'end');
    assert.ok(kinds.includes('cancelled'));
    for (let i = 0; i < 50; i++) {
      const list = spawnSync('runc', ['--root', '/run/kiln-runc', 'list', '-q'], { encoding: 'utf8' }).stdout;
      if (!list.includes(id)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(!spawnSync('runc', ['--root', '/run/kiln-runc', 'list', '-q'], { encoding: 'utf8' }).stdout.includes(id), 'its container is gone');
    assert.ok(Date.now() - started < 10_000);
  });
});

describe('start command and readiness', () => {
  const www = [{ type: 'run', command: 'mkdir -p /www && echo ok > /www/index.html' }];

  test('an http readiness check passes once the start command serves', async () => {
    const b = await build({ name: 'native-web', base_image: 'kiln/busybox', steps: www, start_cmd: 'busybox httpd -f -p 8080 -h /www', runtime_config: { readiness: { kind: 'http', url: 'http://localhost:8080/', timeout_secs: 20, interval_ms: 100 } } });
    assert.equal(b.status, 'ready', JSON.stringify(messages(b)));
    assert.ok(b.log_entries.some((e: Entry) => e.phase === 'readiness' && /Ready after/.test(e.message)));
  });

  test('tcp, file, command, process and timeout checks', async () => {
    for (const readiness of [
      { kind: 'tcp', port: 8081 },
      { kind: 'file', path: '/tmp/started' },
      { kind: 'command', command: 'test -f /tmp/started' },
      { kind: 'process', process: 'httpd' },
      { kind: 'timeout', timeout_secs: 1 },
    ]) {
      const b = await build({ name: 'native-checks', base_image: 'kiln/busybox', steps: www, start_cmd: 'touch /tmp/started; exec busybox httpd -f -p 8081 -h /www', runtime_config: { readiness: { timeout_secs: 20, interval_ms: 100, ...readiness } } });
      assert.equal(b.status, 'ready', `${readiness.kind}: ${JSON.stringify(messages(b))}`);
      assert.ok(b.log_entries.some((e: Entry) => e.phase === 'readiness' && /Ready after|counts as ready/.test(e.message)), readiness.kind);
    }
  });

  test('a start command that exits fails with start_cmd_failed and its output', async () => {
    const b = await build({ name: 'native-startfail', base_image: 'kiln/busybox', steps: www, start_cmd: 'echo cannot-start; exit 3', runtime_config: { readiness: { kind: 'tcp', port: 8082, timeout_secs: 10, interval_ms: 100 } } });
    assert.equal(b.status, 'error');
    assert.equal(b.error_detail.code, 'start_cmd_failed');
    assert.equal(b.failure_phase, 'startup');
    assert.match(b.error_detail.message, /code 3[\s\S]*cannot-start/);
  });

  test('a check that never passes fails with readiness_timeout', async () => {
    const b = await build({ name: 'native-notready', base_image: 'kiln/busybox', steps: www, start_cmd: 'echo up-but-silent; sleep 60', runtime_config: { readiness: { kind: 'tcp', port: 8083, timeout_secs: 1, interval_ms: 100 } } });
    assert.equal(b.status, 'error');
    assert.equal(b.error_detail.code, 'readiness_timeout');
    assert.equal(b.failure_phase, 'readiness');
    assert.match(b.error_detail.message, /up-but-silent/);
  });
});
