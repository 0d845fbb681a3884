import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstat, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { KEY_B, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { busyboxImage } from '../fixtures/images/test-images.ts';
import { filesContaining } from '../fixtures/search-dir.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';
import { APP_CONTEXT, uploadContext } from '../fixtures/upload-context.ts';
import { rootfsEntries, type RootfsEntry } from '../fixtures/artifact-tar.ts';

let kiln: KilnFixture;
let dataDir: string;
let open: RegistryFixture;
let secured: RegistryFixture;

before(async () => {
  open = await startRegistry({ auth: 'none' });
  secured = await startRegistry({ auth: 'basic', tls: true });
  await pushImage(open, 'base/busybox', '1', await busyboxImage('gzip'));
  await pushImage(open, 'library/busybox', '1.36', await busyboxImage('zstd'));
  await pushImage(secured, 'private/busybox', '1', await busyboxImage('gzip'), { username: secured.username!, password: secured.password! });
  dataDir = await dataDirWithBusybox();
  kiln = await startKiln({
    KILN_WORKER: 'embedded', KILN_INSECURE_REGISTRIES: open.host, KILN_REGISTRY_CA_FILES: secured.caCertPath!,
    // Docker Hub names resolve on the loopback registry only: no build ever reaches the internet's registries.
    KILN_REGISTRY_MIRRORS: `docker.io=${open.host}`, KILN_REGISTRY_MIRRORS_ONLY: 'true',
  }, { dataDir });
});
after(async () => {
  await kiln?.close();
  await open?.stop();
  await secured?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

type Entry = { kind: string; level: string; message: string; phase?: string; step_index?: number; total_steps?: number };

async function start(body: Record<string, unknown>, key?: string): Promise<string> {
  const res = await kiln.request('POST', '/v1/templates/builds', { body, key });
  assert.equal(res.status, 202, res.text);
  return res.body.build_id;
}

async function build(body: Record<string, unknown>, key?: string) {
  return waitForBuild(kiln, await start(body, key), { timeoutMs: 180_000, key });
}

/** A ready build's root filesystem entry, as the artifact download shows it. */
async function entry(b: { build_id: string }, p: string): Promise<RootfsEntry | undefined> {
  return (await rootfsEntries(kiln, b.build_id)).get(p);
}
async function text(b: { build_id: string }, p: string): Promise<string> {
  const e = await entry(b, p);
  assert.ok(e?.content !== undefined, `${p} is a file in the root filesystem of ${b.build_id}`);
  return e.content;
}
const messages = (b: { log_entries: Entry[] }) => b.log_entries.map((e) => e.message);

describe('Dockerfile builds run through buildah', () => {
  let contextId: string;
  before(async () => { contextId = await uploadContext(kiln, APP_CONTEXT); });

  const DOCKERFILE = [
    'FROM kiln/busybox',
    'RUN echo dockerfile-run-output && echo built > /built.txt',
    'ENV GREETING="hello there"',
    "RUN echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group && mkdir -p /home/app && chown 1000:1000 /home/app",
    'WORKDIR /srv/app',
    'COPY app/ /srv/app/',
    'USER app',
    'RUN echo "$GREETING" > /home/app/greeting && id -u > /home/app/uid && pwd > /home/app/pwd && ./run.sh > /home/app/ran',
    'EXPOSE 8080',
    'CMD ["sh", "-c", "sleep 1000"]',
    '',
  ].join('\n');

  test('RUN, COPY from the uploaded context, ENV, WORKDIR and USER shape a ready template', async () => {
    const b = await build({ name: 'df-app', dockerfile: DOCKERFILE, build_context: { context_manifest_id: contextId } });
    assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? messages(b)));
    assert.equal(b.build_backend, 'buildkit');
    const out = b.log_entries.find((e: Entry) => e.message === 'dockerfile-run-output');
    assert.ok(out, 'RUN output is a log entry of its own');
    assert.equal(out.phase, 'step');
    assert.equal(out.step_index, 2);
    assert.equal(out.total_steps, 8);
    assert.ok(b.log_entries.some((e: Entry) => /^STEP 6\/10: COPY app\/ \/srv\/app\/$/.test(e.message) && e.step_index === 6));

    assert.equal(await text(b, 'built.txt'), 'built\n');
    assert.equal(await text(b, 'home/app/greeting'), 'hello there\n');
    assert.equal(await text(b, 'home/app/uid'), '1000\n');
    assert.equal(await text(b, 'home/app/pwd'), '/srv/app\n');
    assert.equal(await text(b, 'home/app/ran'), 'from-context\n');
    assert.equal(await text(b, 'srv/app/data/config.txt'), 'answer=42\n');
    assert.equal(((await entry(b, 'srv/app/run.sh'))?.mode ?? 0) & 0o777, 0o755);
    assert.equal((await entry(b, 'home/app/uid'))?.uid, 1000, 'a step\'s files belong to its user');
    assert.equal((await entry(b, 'bin/busybox'))?.type, 'file');
    assert.ok(messages(b).some((m) => /layers? \([\d.]+ MiB\) in [\d.]+ s, over the unpacked kiln\/busybox/.test(m)), 'only the layers above the base are unpacked');

    assert.equal(b.runtime_defaults.default_user, 'app');
    assert.equal(b.runtime_defaults.default_workdir, '/srv/app');
    assert.equal(b.runtime_defaults.start_cmd, 'sh -c \'sleep 1000\'');
    assert.ok(b.runtime_defaults.default_env_keys.includes('GREETING'));
    assert.ok(b.runtime_defaults.default_env_keys.includes('PATH'));
    assert.deepEqual(b.oci_metadata.exposed_ports, ['8080/tcp']);
    assert.ok(b.cache_summary.layer_stores >= 4, JSON.stringify(b.cache_summary));
    assert.deepEqual(await readdir(path.join(dataDir, 'builds', b.build_id)).then((names) => names.filter((n) => n === 'context' || n === 'oci-out')), [], 'work copies are removed');
  });

  test('an unchanged rebuild reuses buildah\'s layer cache; skip_cache bypasses it', async () => {
    // Another tag makes another source digest, so the whole-build cache does not answer and the steps run.
    const again = await build({ name: 'df-app', tags: ['again'], dockerfile: DOCKERFILE, build_context: { context_manifest_id: contextId } });
    assert.equal(again.status, 'ready', JSON.stringify(again.error_detail ?? messages(again)));
    assert.equal(again.cache_summary.layer_hits, 4, JSON.stringify(again.cache_summary));
    assert.equal(again.cache_summary.layer_misses, 0);
    assert.equal(await text(again, 'home/app/ran'), 'from-context\n');

    const fresh = await build({ name: 'df-app', dockerfile: DOCKERFILE, build_context: { context_manifest_id: contextId }, skip_cache: true });
    assert.equal(fresh.status, 'ready', JSON.stringify(fresh.error_detail ?? messages(fresh)));
    assert.equal(fresh.cache_summary.layer_hits, 0);
    assert.equal(fresh.cache_summary.layer_bypasses, 4);
    assert.ok(fresh.log_entries.some((e: Entry) => e.message === 'dockerfile-run-output'), 'the steps ran again');
  });

  test('the CMD starts once in the build sandbox and its readiness check must pass', async () => {
    const web = ['FROM kiln/busybox', 'RUN mkdir -p /www && echo ok > /www/index.html', 'CMD ["busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]', ''].join('\n');
    const ready = await build({ name: 'df-web', dockerfile: web, runtime_config: { readiness: { kind: 'http', url: 'http://localhost:8080/', timeout_secs: 20, interval_ms: 100 } } });
    assert.equal(ready.status, 'ready', JSON.stringify(ready.error_detail ?? messages(ready)));
    assert.ok(ready.log_entries.some((e: Entry) => e.phase === 'readiness' && /Ready after/.test(e.message)));

    const broken = await build({ name: 'df-web-broken', dockerfile: ['FROM kiln/busybox', 'CMD ["sh", "-c", "echo no-server-here; exit 4"]', ''].join('\n'), runtime_config: { readiness: { kind: 'tcp', port: 8080, timeout_secs: 10, interval_ms: 100 } } });
    assert.equal(broken.status, 'error');
    assert.equal(broken.error_detail.code, 'start_cmd_failed');
    assert.match(broken.error_detail.message, /code 4[\s\S]*no-server-here/);
  });

  test('dockerfile_path reads the Dockerfile from the context', async () => {
    const id = await uploadContext(kiln, [
      { name: 'docker/Dockerfile.build', content: 'FROM kiln/busybox\nCOPY hello.txt /hello.txt\n' },
      { name: 'hello.txt', content: 'hello from a context Dockerfile\n' },
    ]);
    const b = await build({ name: 'df-path', dockerfile_path: 'docker/Dockerfile.build', build_context: { context_manifest_id: id } });
    assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? messages(b)));
    assert.equal(await text(b, 'hello.txt'), 'hello from a context Dockerfile\n');
  });

  test('a multi-stage Dockerfile builds build_target with build_args and build_envs', async () => {
    const dockerfile = [
      'ARG FLAVOR=plain',
      'FROM kiln/busybox AS builder',
      'ARG FLAVOR',
      'RUN echo "flavor=$FLAVOR" > /artifact.txt && echo "token=$BUILD_ONLY" > /build-env.txt',
      'FROM kiln/busybox AS runtime',
      'COPY --from=builder /artifact.txt /build-env.txt /',
      'RUN echo runtime > /stage.txt',
      'FROM runtime AS debug',
      'RUN echo debug > /stage.txt',
      '',
    ].join('\n');
    const b = await build({ name: 'df-multi', dockerfile, build_target: 'runtime', build_args: { FLAVOR: 'spicy' }, build_envs: { BUILD_ONLY: 'only-while-building' } });
    assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? messages(b)));
    assert.equal(await text(b, 'artifact.txt'), 'flavor=spicy\n');
    assert.equal(await text(b, 'build-env.txt'), 'token=only-while-building\n');
    assert.equal(await text(b, 'stage.txt'), 'runtime\n', 'the debug stage after the target is not built');
    assert.ok(!b.runtime_defaults.default_env_keys.includes('BUILD_ONLY'), 'build_envs are not template env');
  });

  test('a build secret reaches RUN --mount=type=secret and nothing else', async () => {
    const secret = `s3cret-${randomBytes(12).toString('hex')}`;
    const dockerfile = [
      'FROM kiln/busybox',
      'RUN --mount=type=secret,id=api_token echo "leaked: $(cat /run/secrets/api_token)" && wc -c < /run/secrets/api_token > /token-length',
      '',
    ].join('\n');
    const b = await build({ name: 'df-secret', dockerfile, build_secrets: [{ id: 'api_token', value: secret }] });
    assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? messages(b)));
    assert.equal((await text(b, 'token-length')).trim(), String(secret.length));
    assert.ok(messages(b).includes('leaked: ***'), 'the value is masked in the step output');
    const logs = await kiln.request('GET', `/v1/templates/builds/${b.build_id}?limit=1000`);
    assert.ok(!logs.text.includes(secret), 'no log entry or field holds the secret');
    assert.deepEqual(await filesContaining(dataDir, secret), [], 'the secret is stored nowhere in the data directory');
    assert.equal(await entry(b, 'run/secrets/api_token'), undefined);
  });

  test('a failing RUN reports its step, exit code and last output lines', async () => {
    const dockerfile = 'FROM kiln/busybox\nRUN echo first-ok\nRUN echo about-to-fail && echo to-stderr >&2 && exit 7\nRUN echo never\n';
    const b = await build({ name: 'df-fail', dockerfile });
    assert.equal(b.status, 'error');
    assert.equal(b.failure_phase, 'step');
    assert.equal(b.error_detail.code, 'step_failed');
    assert.equal(b.error_detail.phase, 'step');
    assert.equal(b.error_detail.step_index, 3);
    assert.match(b.error_detail.message, /exited with code 7/);
    assert.match(b.error_detail.message, /about-to-fail/);
    assert.match(b.error_detail.message, /to-stderr/);
    assert.ok(!messages(b).includes('never'));
  });

  test('a cancelled build stops its running step and leaves no buildah or runc process, nor its secret, behind', async () => {
    const marker = 300 + Math.floor(Math.random() * 600);
    const secret = `cancel-secret-${randomBytes(12).toString('hex')}`;
    const id = await start({
      name: 'df-cancel', dockerfile: `FROM kiln/busybox\nRUN --mount=type=secret,id=tok echo sleeping-now && sleep ${marker}\n`,
      build_secrets: [{ id: 'tok', value: secret }],
    });
    for (;;) {
      const res = await kiln.request('GET', `/v1/templates/builds/${id}?limit=1000`);
      if (res.body.log_entries.some((e: Entry) => e.message === 'sleeping-now')) break;
      assert.equal(res.body.status === 'error' || res.body.status === 'ready', false, res.text);
      await new Promise((r) => setTimeout(r, 100));
    }
    const cancel = await kiln.request('POST', `/v1/templates/builds/${id}/cancel`, { body: { reason: 'test' } });
    assert.equal(cancel.status, 200, cancel.text);
    const b = await waitForBuild(kiln, id, { timeoutMs: 15_000 });
    assert.equal(b.status, 'cancelled');
    const procs = await processes();
    assert.deepEqual(procs.filter((p) => p.includes(`sleep ${marker}`) || (p.includes('buildah') && p.includes(dataDir)) || p.startsWith('runc')), []);
    const runDir = path.join(dataDir, 'buildah', 'builds', id);
    assert.equal(await lstat(runDir).catch(() => null), null, 'the build\'s run state is removed');
    assert.deepEqual(await filesContaining(dataDir, secret), [], 'the mounted secret did not stay behind');
  });

  test('FROM a registry image (plain HTTP, and TLS with Basic auth)', async () => {
    const b = await build({ name: 'df-reg', dockerfile: `FROM ${open.host}/base/busybox:1\nRUN echo from-registry > /r.txt\n` });
    assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? messages(b)));
    assert.equal(await text(b, 'r.txt'), 'from-registry\n');

    const missing = await build({ name: 'df-reg', dockerfile: `FROM ${open.host}/base/nothing:1\nRUN true\n` });
    assert.equal(missing.status, 'error');
    assert.equal(missing.error_detail.code, 'base_image_not_found', missing.error_detail.message);

    const privateRef = `${secured.host}/private/busybox:1`;
    const denied = await build({ name: 'df-private', dockerfile: `FROM ${privateRef}\nRUN true\n` });
    assert.equal(denied.status, 'error');
    assert.equal(denied.error_detail.code, 'registry_auth_failed', denied.error_detail.message);

    const auth = { username: secured.username!, password: secured.password! };
    const ok = await build({ name: 'df-private', dockerfile: `FROM ${privateRef}\nRUN echo private > /p.txt\n`, registry_auth: [{ registry: secured.host, auth }] });
    assert.equal(ok.status, 'ready', JSON.stringify(ok.error_detail ?? messages(ok)));
    assert.equal(await text(ok, 'p.txt'), 'private\n');
    assert.deepEqual(await filesContaining(dataDir, secured.password!), [], 'the password is stored nowhere');
  });

  test('Docker Hub names go through the configured mirror', async () => {
    const b = await build({ name: 'df-hub', dockerfile: 'FROM busybox:1.36\nRUN echo via-mirror > /m.txt\n' });
    assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? messages(b)));
    assert.equal(await text(b, 'm.txt'), 'via-mirror\n');
  });

  test('FROM one of the tenant\'s templates (by name or id, whichever backend built it) builds on its newest ready build; another tenant cannot use it', async () => {
    const base = await build({ name: 'df-base', dockerfile: 'FROM kiln/busybox\nRUN echo from-the-base-template > /base.txt\n' });
    assert.equal(base.status, 'ready', JSON.stringify(base.error_detail ?? messages(base)));
    const child = await build({ name: 'df-child', dockerfile: 'FROM df-base\nRUN cat /base.txt > /child.txt\n' });
    assert.equal(child.status, 'ready', JSON.stringify(child.error_detail ?? messages(child)));
    assert.equal(await text(child, 'child.txt'), 'from-the-base-template\n');
    assert.ok(messages(child).includes('STEP 1/2: FROM df-base'), 'the log shows the FROM as written');

    const native = await build({ name: 'df-native-base', base_image: 'kiln/busybox', steps: [{ type: 'run', command: 'echo from-a-native-build > /native.txt' }] });
    assert.equal(native.status, 'ready', JSON.stringify(native.error_detail ?? messages(native)));
    assert.equal(native.build_backend, 'native');
    const onNative = await build({ name: 'df-child', dockerfile: `FROM ${native.template_id}\nRUN cat /native.txt > /child.txt\n` });
    assert.equal(onNative.status, 'ready', JSON.stringify(onNative.error_detail ?? messages(onNative)));
    assert.equal(await text(onNative, 'child.txt'), 'from-a-native-build\n');

    const foreign = await build({ name: 'df-child', dockerfile: `FROM ${base.template_id}\nRUN true\n` }, KEY_B);
    assert.equal(foreign.status, 'error');
    assert.equal(foreign.error_detail.code, 'base_image_not_found', foreign.error_detail.message);
  });

  test('declarative steps and a bare image also build on the buildkit backend', async () => {
    const steps = await build({ name: 'df-steps', base_image: 'kiln/busybox', build_backend: 'buildkit', steps: [{ type: 'run', command: 'echo from-steps > /s.txt' }, { type: 'workdir', path: '/work' }] });
    assert.equal(steps.status, 'ready', JSON.stringify(steps.error_detail ?? messages(steps)));
    assert.equal(steps.build_backend, 'buildkit');
    assert.equal(await text(steps, 's.txt'), 'from-steps\n');
    assert.equal(steps.runtime_defaults.default_workdir, '/work');
    const image = await build({ name: 'df-image', base_image: 'kiln/busybox', build_backend: 'buildkit' });
    assert.equal(image.status, 'ready', JSON.stringify(image.error_detail ?? messages(image)));
    assert.equal((await entry(image, 'bin/busybox'))?.type, 'file');
    assert.equal(image.runtime_defaults.start_cmd, '/bin/sh', 'the image\'s Cmd');
  });

  test('without internet_access a step has only loopback and cannot reach the host\'s ports; with it, the slirp4netns interface and still not the host', async () => {
    const port = new URL(kiln.url).port;
    const probe = [
      'FROM kiln/busybox',
      `RUN cat /proc/net/dev > /netdev.txt && (nc -l -p 9999 > /dev/null &) && sleep 0.3 && (echo x | nc -w 2 127.0.0.1 9999 && echo self-reached || echo self-unreachable) > /self.txt && (echo x | nc -w 2 127.0.0.1 ${port} > /dev/null 2>&1 && echo reached || echo unreachable) > /kiln.txt`,
      '',
    ].join('\n');
    const none = await build({ name: 'df-net', dockerfile: probe, build_config: { internet_access: false } });
    assert.equal(none.status, 'ready', JSON.stringify(none.error_detail ?? messages(none)));
    assert.equal(await text(none, 'self.txt'), 'self-reached\n', 'the probe itself works');
    assert.equal(await text(none, 'kiln.txt'), 'unreachable\n', 'the Kiln server on 127.0.0.1 is out of reach');
    const interfaces = (await text(none, 'netdev.txt')).split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
    assert.deepEqual(interfaces, ['lo']);

    const online = await build({ name: 'df-net', dockerfile: probe, skip_cache: true });
    assert.equal(online.status, 'ready', JSON.stringify(online.error_detail ?? messages(online)));
    assert.equal(await text(online, 'kiln.txt'), 'unreachable\n');
    assert.match(await text(online, 'netdev.txt'), /tap0:/);
  });
});

/** The command lines of every process on the machine. */
async function processes(): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd) out.push(cmd.split('\0').join(' ').trim());
  }
  return out;
}
