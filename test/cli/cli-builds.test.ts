/**
 * The `kiln` CLI through its real binary against a real server (embedded worker, builtin busybox):
 * build from a directory and from a Dockerfile path with progress, a failing build, status and logs
 * (--json), plan, validate, cancel, retry with secrets, promote, and the connection errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataDirWithBusybox } from '../fixtures/builtin-busybox.ts';
import { KEY_A, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';
import { runKiln } from '../fixtures/run-cli.ts';

let kiln: KilnFixture;
let dataDir: string;
let work: string;
let env: Record<string, string>;

before(async () => {
  dataDir = await dataDirWithBusybox();
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
  work = await mkdtemp(path.join(tmpdir(), 'kiln-cli-builds-'));
  env = { KILN_API_KEY: KEY_A, KILN_API_URL: kiln.url };
});
after(async () => {
  await kiln?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

/** A directory with the given files. */
async function contextDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(dir, file), content);
  return dir;
}

/** The build id `kiln build` printed when it started. */
function startedId(stdout: string): string {
  const m = /^build (tb_[a-z0-9]+) started/m.exec(stdout);
  assert.ok(m, `no "build … started" line in:\n${stdout}`);
  return m[1];
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const APP_DOCKERFILE = 'FROM kiln/busybox\nCOPY app.txt /app/app.txt\nRUN cat /app/app.txt && echo built-by-cli > /app/marker\n';

describe('kiln build and the build commands', () => {
  let appBuildId: string;
  let failedBuildId: string;
  let appDir: string;

  test('kiln build <dir> uploads the context, prints each step and its output as it streams, and exits 0 when ready', async () => {
    appDir = await contextDir('app', { 'Dockerfile': APP_DOCKERFILE, 'app.txt': 'hello from the context\n', 'notes.md': 'left out\n', '.dockerignore': 'notes.md\n' });
    const r = await runKiln(['build', appDir, '--name', 'cli-app', '--tag', 'v1'], env);
    assert.equal(r.code, 0, r.stderr);
    appBuildId = startedId(r.stdout);
    assert.match(r.stdout, /^context .*: 3 files, 3 sent \(\d+ bytes\), 0 already on the server$/m);
    assert.match(r.stdout, /^\[step 1\/3\] STEP 1\/3: FROM kiln\/busybox$/m);
    assert.match(r.stdout, /^\[step 2\/3\] STEP 2\/3: COPY app.txt \/app\/app.txt$/m);
    assert.match(r.stdout, /^\[step 3\/3\] hello from the context$/m, 'the RUN step\'s output, under its step');
    assert.match(r.stdout, /^\[finalize\] /m);
    assert.match(r.stdout, new RegExp(`^ready: ${appBuildId} \\(cli-app:v1\\) in \\d+\\.\\d s$`, 'm'));
    const files = await rootfsEntries(kiln, appBuildId);
    assert.equal(files.get('app/app.txt')?.content, 'hello from the context\n');
    assert.equal(files.get('app/marker')?.content, 'built-by-cli\n');
  });

  test('a second build sends only the file contents the server does not have yet', async () => {
    await writeFile(path.join(appDir, 'app.txt'), 'changed\n');
    const r = await runKiln(['build', appDir, '--name', 'cli-app', '--tag', 'v2'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^context .*: 3 files, 1 sent \(8 bytes\), 2 already on the server$/m);
    assert.match(r.stdout, /^\[step 3\/3\] changed$/m);
  });

  test('a failing build exits 1 and prints the error code, phase, step and message on stderr', async () => {
    const dir = await contextDir('failing', { 'Dockerfile.fail': 'FROM kiln/busybox\nRUN echo before-failing\nRUN exit 3\n' });
    const r = await runKiln(['build', path.join(dir, 'Dockerfile.fail'), '--name', 'cli-fail'], env);
    assert.equal(r.code, 1, r.stdout);
    failedBuildId = startedId(r.stdout);
    assert.match(r.stdout, /^\[step 2\/3\] before-failing$/m);
    assert.match(r.stderr, new RegExp(`^kiln: build ${failedBuildId} failed: step_failed in phase step, step 3/3$`, 'm'));
    assert.match(r.stderr, /exited with code 3/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('kiln status: a summary, --offset adds log entries, --json gives the API object', async () => {
    const human = await runKiln(['status', appBuildId], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^status: +ready$/m);
    assert.match(human.stdout, /^tags: +v1$/m);
    assert.match(human.stdout, /^artifact: +available/m);
    const failed = await runKiln(['status', failedBuildId], env);
    assert.match(failed.stdout, /^error: +step_failed in phase step, step 3$/m);

    const json = await runKiln(['status', appBuildId, '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const status = JSON.parse(json.stdout);
    assert.equal(status.build_id, appBuildId);
    assert.equal(status.status, 'ready');
    assert.equal(status.log_entries[0].offset, 0);
    assert.equal(status.next_log_offset, status.log_entries.length);

    const from = await runKiln(['status', appBuildId, '--offset', '2', '--json'], env);
    assert.equal(JSON.parse(from.stdout).log_entries[0].offset, 2);
    const withLog = await runKiln(['status', appBuildId, '--offset', '0'], env);
    assert.match(withLog.stdout, /^\[step 3\/3\] hello from the context$/m);
    assert.match(withLog.stdout, new RegExp(`^next offset: ${status.next_log_offset}$`, 'm'));
    const bad = await runKiln(['status', appBuildId, '--offset', '-1'], env);
    assert.equal(bad.code, 2);
  });

  test('kiln logs replays the log (--json: one entry per line), from --offset, and --follow ends with the build', async () => {
    const json = await runKiln(['logs', appBuildId, '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const entries = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(entries.every((e, i) => e.offset === i), 'dense offsets from 0');
    assert.equal(entries.at(-1).kind, 'end');
    const tail = await runKiln(['logs', appBuildId, '--json', '--offset', String(entries.length - 2)], env);
    assert.deepEqual(tail.stdout.trim().split('\n').map((l) => JSON.parse(l).offset), [entries.length - 2, entries.length - 1]);
    const followed = await runKiln(['logs', appBuildId, '--follow'], env);
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /^\[step 3\/3\] hello from the context$/m);
    assert.match(followed.stdout.trimEnd().split('\n').at(-1)!, /^\[finalize\] Build ready\.$/);
  });

  test('kiln plan and kiln validate take the same inputs as build', async () => {
    const plan = await runKiln(['plan', appDir, '--json'], env);
    assert.equal(plan.code, 0, plan.stderr);
    const body = JSON.parse(plan.stdout);
    assert.equal(body.source_type, 'dockerfile');
    assert.equal(body.build_backend, 'buildkit');
    assert.deepEqual(body.build_plan.build_steps.map((s: { instruction: string }) => s.instruction), ['FROM', 'COPY', 'RUN']);
    const human = await runKiln(['plan', appDir], env);
    assert.match(human.stdout, /^backend: +buildkit \(dockerfile\)$/m);
    assert.match(human.stdout, /^ +2 {2}COPY app.txt \/app\/app.txt {3}\(line 2\)$/m);
    assert.match(human.stdout, /^context: +3 files, sha256:[0-9a-f]{64}$/m);

    const valid = await runKiln(['validate', appDir], env);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /^valid: /m);
    const broken = await contextDir('broken', { 'Dockerfile': 'FROM kiln/busybox\nCOPY missing.txt /x\nRUN true\n', 'other.txt': 'x' });
    const invalid = await runKiln(['validate', broken], env);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /has 1 problem:\n {2}context_source_missing \(line 2[^)]*\): .*missing\.txt/);
    const asJson = await runKiln(['validate', broken, '--json'], env);
    assert.equal(asJson.code, 1);
    assert.equal(JSON.parse(asJson.stdout).valid, false);
    const refused = await runKiln(['build', broken], env);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /^kiln: context_source_missing: .*missing\.txt/m);
    const noDockerfile = await runKiln(['build', work + '/nowhere'], env);
    assert.equal(noDockerfile.code, 2);
    assert.match(noDockerfile.stderr, /does not exist/);
  });

  test('kiln cancel stops a running build; the following kiln build exits 1 with the reason', async () => {
    const dir = await contextDir('slow', { 'Dockerfile': 'FROM kiln/busybox\nRUN echo sleeping-now && sleep 60\n' });
    const building = runKiln(['build', dir, '--name', 'cli-slow', '--skip-cache'], env);
    let buildId: string | undefined;
    while (!buildId) {
      const page = await kiln.request('GET', '/v1/templates/cli-slow/builds');
      const id = page.status === 200 ? page.body.builds[0]?.build_id : undefined;
      if (id) {
        const b = await kiln.request('GET', `/v1/templates/builds/${id}?limit=1000`);
        if (b.body.log_entries.some((e: { message: string }) => e.message === 'sleeping-now')) buildId = id;
      }
      if (!buildId) await new Promise((r) => setTimeout(r, 100));
    }
    const cancel = await runKiln(['cancel', buildId, '--reason', 'stopped by the cli test'], env);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.equal(cancel.stdout, `cancelled ${buildId} (cli-slow): stopped by the cli test\n`);
    const r = await building;
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^\[step 2\/2\] sleeping-now$/m);
    assert.match(r.stderr, new RegExp(`^kiln: build ${buildId} was cancelled: stopped by the cli test$`, 'm'));
    const again = await runKiln(['cancel', buildId], env);
    assert.equal(again.code, 5);
    assert.match(again.stderr, /^kiln: build_not_cancellable: /m);
  });

  test('kiln retry needs the secrets again; with them it builds the same template anew', async () => {
    const dir = await contextDir('secret', { 'Dockerfile': 'FROM kiln/busybox\nRUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /token-length\n' });
    const first = await runKiln(['build', dir, '--name', 'cli-secret', '--secret', 'tok=CLI_TEST_TOKEN', '--skip-cache'], { ...env, CLI_TEST_TOKEN: 'qx-secret-value' });
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout + first.stderr, /qx-secret-value/);
    const firstId = startedId(first.stdout);
    assert.equal((await rootfsEntries(kiln, firstId)).get('token-length')?.content?.trim(), '15');

    const unset = await runKiln(['retry', firstId, '--secret', 'tok=CLI_UNSET_VARIABLE'], env);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /the environment variable CLI_UNSET_VARIABLE is not set/);
    const without = await runKiln(['retry', firstId], env);
    assert.equal(without.code, 5);
    assert.match(without.stderr, /^kiln: retry_requires_secrets: .*tok/m);

    const file = path.join(work, 'token.txt');
    await writeFile(file, 'abcdefg');
    const again = await runKiln(['retry', firstId, '--secret', `tok=@${file}`, '--tag', 'retried', '--json'], env);
    assert.equal(again.code, 0, again.stderr);
    const info = JSON.parse(again.stdout);
    assert.equal(info.status, 'ready');
    assert.equal(info.triggered_by, `retry:${firstId}`);
    assert.deepEqual(info.tags, ['retried']);
    assert.match(again.stderr, /^build tb_[a-z0-9]+ started/m, 'with --json the progress goes to stderr');
    assert.equal((await rootfsEntries(kiln, info.build_id)).get('token-length')?.content?.trim(), '7');
  });

  test('kiln promote moves a tag to a ready build and refuses a failed one', async () => {
    const r = await runKiln(['promote', appBuildId, 'stable'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^cli-app:stable → ${appBuildId} \\(tags of this build: .*stable.*\\)$`, 'm'));
    const t = await kiln.request('GET', '/v1/templates/cli-app:stable?fields=tags');
    assert.equal(t.body.tags.find((x: { tag: string }) => x.tag === 'stable').build_id, appBuildId);
    const refused = await runKiln(['promote', failedBuildId, 'stable', '--json'], env);
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, /^kiln: build_not_promotable: /m);
  });
});

describe('kiln serve', () => {
  test('kiln serve prints the key it created on the first start; kiln commands reach the server with it', async () => {
    const bin = path.resolve(import.meta.dirname, '../../packages/server/bin/kiln.js');
    const serveEnv: NodeJS.ProcessEnv = { ...process.env, KILN_DATA_DIR: path.join(work, 'serve-data'), KILN_PORT: '0', KILN_HOST: '127.0.0.1', KILN_LOG_LEVEL: 'error', KILN_WORKER: 'off' };
    delete serveEnv.KILN_API_KEYS;
    const child = spawn(process.execPath, [bin, 'serve'], { env: serveEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let out = '';
      const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const listening = /Kiln listening on (http:\/\/\S+)/.exec(out);
          const created = /^ {2}(kiln_\S+)$/m.exec(out);
          if (listening && created) resolve({ url: listening[1], key: created[1] });
        });
        child.once('exit', (code) => reject(new Error(`kiln serve exited (${code}): ${out}`)));
      });
      const ls = await runKiln(['templates', 'ls', '--json'], { KILN_API_KEY: key, KILN_API_URL: url });
      assert.equal(ls.code, 0, ls.stderr);
      assert.deepEqual(JSON.parse(ls.stdout), { templates: [], next_cursor: null });
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});

describe('kiln connection errors', () => {
  test('no server running: a one-line message naming the URL and kiln serve, exit 3', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runKiln(['status', 'tb_whatever'], { KILN_API_KEY: KEY_A, KILN_API_URL: url });
    assert.equal(r.code, 3);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^kiln: no Kiln server at ${url.replace(/\./g, '\\.')} \\(ECONNREFUSED\\): start one with \`kiln serve\``));
    const flag = await runKiln(['templates', 'ls', '--api-url', url], { KILN_API_KEY: KEY_A, KILN_API_URL: kiln.url });
    assert.equal(flag.code, 3, '--api-url wins over KILN_API_URL');
  });

  test('no API key: exit 4 saying to set KILN_API_KEY or pass --api-key; a refused key is exit 4 too', async () => {
    const r = await runKiln(['templates', 'ls'], { KILN_API_KEY: '', KILN_API_URL: kiln.url });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^kiln: no API key: set KILN_API_KEY or pass --api-key/);
    const flag = await runKiln(['templates', 'ls', '--api-key', KEY_A, '--json'], { KILN_API_KEY: '', KILN_API_URL: kiln.url });
    assert.equal(flag.code, 0, flag.stderr);
    assert.ok(Array.isArray(JSON.parse(flag.stdout).templates));
    const wrong = await runKiln(['templates', 'ls'], { KILN_API_KEY: 'not-a-key-of-this-server', KILN_API_URL: kiln.url });
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /refused the API key \(unauthorized: /);
  });

  test('an API error prints its code and message, exit 5; a usage error exits 2', async () => {
    const r = await runKiln(['status', 'tb_doesnotexist'], env);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /^kiln: not_found: /);
    const usage = await runKiln(['status'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing required argument 'build_id'/);
  });
});
