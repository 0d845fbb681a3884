import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template } from '../template.ts';
import { waitForFile, waitForPort, waitForProcess, waitForTimeout, waitForUrl } from './readiness.ts';
import { buildRequestBody, needsContext } from './build-request.ts';
import { stateOf, type TemplateBuilder, type TemplateFinal } from './template-builder.ts';

const EVERY_STEP = () => Template.fromPythonImage()
  .runCmd('echo hi > /hi')
  .runCmd(['mkdir -p /a', 'touch /a/b'], { user: 'app' })
  .aptInstall(['curl', 'git'], { noInstallRecommends: true })
  .pipInstall('numpy==2.1.3', { indexUrl: 'https://pypi.org/simple' })
  .npmInstall(['typescript'], { global: true })
  .copy(['app/', 'lib/x.py'], '/srv', { user: '1000:1000', mode: 0o755 })
  .setEnvs({ GREETING: 'hi "there" $HOME' })
  .setWorkdir('/srv//app/.')
  .setUser('app')
  .gitClone('https://github.com/pallets/flask.git', undefined, { branch: 'main', depth: 1 })
  .makeDir('/data', { mode: '700' })
  .makeSymlink('/usr/bin/python3', '/usr/local/bin/py')
  .remove('/tmp/cache dir', { recursive: true })
  .rename('/etc/motd', '/etc/motd.orig');

describe('builders', () => {
  test('each step emits the JSON the server\'s step schema accepts, in order', () => {
    const body = buildRequestBody(stateOf(EVERY_STEP()), 'py', { tags: ['v1'] });
    assert.deepEqual(body, {
      name: 'py',
      tags: ['v1'],
      base_image: 'python:3.12-slim',
      steps: [
        { type: 'run', command: 'echo hi > /hi' },
        { type: 'run', command: 'mkdir -p /a && touch /a/b', user: 'app' },
        { type: 'apt_install', packages: ['curl', 'git'], no_install_recommends: true },
        { type: 'pip_install', packages: ['numpy==2.1.3'], index_url: 'https://pypi.org/simple' },
        { type: 'npm_install', packages: ['typescript'], global: true },
        { type: 'copy', src: ['app/', 'lib/x.py'], dest: '/srv', user: '1000:1000', mode: 0o755 },
        { type: 'env', envs: { GREETING: 'hi "there" $HOME' } },
        { type: 'workdir', path: '/srv//app/.' },
        { type: 'user', user: 'app' },
        { type: 'git_clone', url: 'https://github.com/pallets/flask.git', path: 'flask', branch: 'main', depth: 1 },
        { type: 'make_dir', path: '/data', mode: '700' },
        { type: 'make_symlink', target: '/usr/bin/python3', path: '/usr/local/bin/py' },
        { type: 'remove', path: '/tmp/cache dir', recursive: true },
        { type: 'rename', from: '/etc/motd', to: '/etc/motd.orig' },
      ],
    });
  });

  test('the start command and ready check become start_cmd and runtime_config.readiness', () => {
    const t = Template.fromNodeImage('20').npmInstall('tsx').setStartCmd('node server.js', waitForPort(3000, { timeoutSecs: 60, intervalMs: 250 }));
    const body = buildRequestBody(stateOf(t), 'web', { runtimeEnvs: { NODE_ENV: 'production' }, resources: { vcpus: 4, memoryMib: 4096, internetAccess: false } });
    assert.equal(body.base_image, 'node:20-slim');
    assert.equal(body.start_cmd, 'node server.js');
    assert.deepEqual(body.runtime_config, { envs: { NODE_ENV: 'production' }, readiness: { kind: 'tcp', port: 3000, timeout_secs: 60, interval_ms: 250 } });
    assert.deepEqual(body.build_config, { vcpus: 4, memory_mib: 4096, internet_access: false });
    assert.deepEqual(buildRequestBody(stateOf(Template.fromDebianImage().setReadyCmd('test -f /ok')), undefined).runtime_config, { readiness: { kind: 'command', command: 'test -f /ok' } });
    assert.deepEqual([waitForUrl('http://localhost:8080/health'), waitForFile('/tmp/ready'), waitForProcess('nginx'), waitForTimeout(1500)], [
      { kind: 'http', url: 'http://localhost:8080/health' }, { kind: 'file', path: '/tmp/ready' }, { kind: 'process', process: 'nginx' }, { kind: 'timeout', timeout_secs: 2 },
    ]);
  });

  test('image refs of the entry points; images with auth, templates, and Dockerfiles', async () => {
    const ref = (t: TemplateFinal) => buildRequestBody(stateOf(t), undefined).base_image;
    assert.equal(ref(Template.fromPythonImage()), 'python:3.12-slim');
    assert.equal(ref(Template.fromPythonImage('3.11-bookworm')), 'python:3.11-bookworm');
    assert.equal(ref(Template.fromNodeImage()), 'node:22-slim');
    assert.equal(ref(Template.fromDebianImage()), 'debian:bookworm');
    assert.equal(ref(Template.fromTemplate('kiln/debian:bookworm')), 'kiln/debian:bookworm');

    const priv = Template.fromImage('registry.local:5000/team/app:1', { auth: { username: 'bot', password: 's3cret' } });
    assert.deepEqual(buildRequestBody(stateOf(priv), 'x').base_image_auth, { username: 'bot', password: 's3cret' });
    assert.ok(!JSON.stringify(priv).includes('s3cret'), 'toJSON leaves credentials out');
    assert.equal(buildRequestBody(stateOf(priv), 'x', {}, true).base_image_auth, undefined);

    const dir = await mkdtemp(path.join(tmpdir(), 'kiln-sdk-'));
    try {
      const file = path.join(dir, 'Dockerfile');
      await writeFile(file, 'FROM debian:bookworm\nRUN --mount=type=secret,id=tok wc -c /run/secrets/tok\nCOPY app /app\n');
      const fromPath = Template.fromDockerfile(file, { buildArgs: { V: '1' }, target: 'final' }).buildSecret('tok', 'hush');
      const body = buildRequestBody(stateOf(fromPath), 'df');
      assert.equal(body.dockerfile, 'FROM debian:bookworm\nRUN --mount=type=secret,id=tok wc -c /run/secrets/tok\nCOPY app /app\n');
      assert.deepEqual([body.build_args, body.build_target, body.build_secrets, body.build_backend], [{ V: '1' }, 'final', [{ id: 'tok', value: 'hush' }], 'buildkit']);
      assert.deepEqual(buildRequestBody(stateOf(fromPath), 'df', {}, true).build_secrets, [{ id: 'tok' }]);
      assert.equal(needsContext(stateOf(fromPath)), true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal(buildRequestBody(stateOf(Template.fromDockerfile('FROM busybox')), undefined).dockerfile, 'FROM busybox');
    assert.equal(needsContext(stateOf(Template.fromDockerfile('FROM a AS b\nFROM busybox\nCOPY --from=b /x /x\n'))), false);
    assert.equal(needsContext(stateOf(Template.fromPythonImage().pipInstall('x'))), false);
  });

  test('definitions are immutable: a base can be extended twice; skipCache and secrets are request fields', () => {
    const base = Template.fromDebianImage().aptInstall('curl');
    const a = base.runCmd('echo a');
    const b = base.runCmd('echo b').skipCache();
    assert.equal(stateOf(base).steps.length, 1);
    assert.deepEqual(stateOf(a).steps.at(-1), { type: 'run', command: 'echo a' });
    assert.deepEqual(stateOf(b).steps.at(-1), { type: 'run', command: 'echo b' });
    assert.equal(buildRequestBody(stateOf(a), 'a').skip_cache, undefined);
    assert.equal(buildRequestBody(stateOf(b), 'b').skip_cache, true);
  });

  test('the types encode order: no step after the start command, none on a Dockerfile template', () => {
    const final = Template.fromPythonImage().pipInstall('flask').setStartCmd('flask run', waitForPort(5000));
    // @ts-expect-error a TemplateFinal has no step methods
    assert.throws(() => final.runCmd('echo late'), /No step may follow setStartCmd/);
    // @ts-expect-error nor a second start command (checked by the compiler)
    void final.setStartCmd;
    const df = Template.fromDockerfile('FROM busybox\n');
    // @ts-expect-error a Dockerfile template takes no steps
    assert.throws(() => df.aptInstall('curl'), /takes no steps/);
    const ok: TemplateFinal = df.setStartCmd('sleep infinity');
    const chained: TemplateBuilder = Template.fromNodeImage().skipCache().setWorkdir('/app');
    assert.ok(ok && chained);
    assert.throws(() => stateOf({} as TemplateFinal), /Expected a template definition/);
  });

  test('toDockerfile renders each step as the server converts it, then the start command and the ready check', () => {
    assert.equal(EVERY_STEP().setStartCmd('python -m http.server 8000', waitForPort(8000)).toDockerfile(), [
      'FROM python:3.12-slim',
      'RUN echo hi > /hi',
      'USER app',
      'RUN mkdir -p /a && touch /a/b',
      'USER root',
      'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl git && rm -rf /var/lib/apt/lists/*',
      'RUN pip install --no-cache-dir --index-url https://pypi.org/simple numpy==2.1.3',
      'RUN npm install -g typescript',
      'COPY --chown=1000:1000 --chmod=0755 ["app/", "lib/x.py", "/srv/"]',
      'ENV GREETING="hi \\"there\\" \\$HOME"',
      'WORKDIR /srv/app',
      'USER app',
      'RUN git clone --branch main --depth 1 -- https://github.com/pallets/flask.git flask',
      'RUN mkdir -p -m 0700 -- /data',
      'RUN ln -sfn -- /usr/bin/python3 /usr/local/bin/py',
      "RUN rm -f -r -- '/tmp/cache dir'",
      'RUN mv -- /etc/motd /etc/motd.orig',
      'CMD ["/bin/sh", "-c", "python -m http.server 8000"]',
      '# ready when: tcp port 8000',
      '',
    ].join('\n'));
    assert.equal(Template.fromDebianImage().runCmd('echo a\necho b').toDockerfile(), 'FROM debian:bookworm\nRUN ["/bin/sh", "-c", "echo a\\necho b"]\n');
    assert.equal(Template.fromDockerfile('FROM busybox\nRUN true\n\n').setStartCmd('httpd -f').toDockerfile(), 'FROM busybox\nRUN true\nCMD ["/bin/sh", "-c", "httpd -f"]\n');
  });
});
