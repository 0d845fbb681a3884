/**
 * The real-world corpus (test/corpus/dockerfiles): every file analyses without errors, the
 * whole analysis matches its reviewed golden file (test/corpus/expected/NN.json; regenerate
 * with UPDATE_GOLDEN=1), and the key fields of most files are asserted explicitly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { DockerfileAnalysis } from '../domain/plan-types.ts';
import { analyzeDockerfile } from './analyze-dockerfile.ts';

const corpusDir = new URL('../../../../test/corpus/dockerfiles/', import.meta.url);
const expectedDir = new URL('../../../../test/corpus/expected/', import.meta.url);
const files = readdirSync(corpusDir).filter((f) => f.endsWith('.Dockerfile')).sort();
const AMD64 = { os: 'linux', arch: 'amd64', variant: '' };

function analyzeFile(prefix: string, buildTarget?: string): DockerfileAnalysis {
  const file = files.find((f) => f.startsWith(prefix));
  assert.ok(file, `no corpus file ${prefix}`);
  return analyzeDockerfile(readFileSync(new URL(file, corpusDir), 'utf8'), { platform: AMD64, buildTarget });
}

describe('corpus golden files', () => {
  test('the corpus has 30 files', () => assert.equal(files.length, 30));
  for (const file of files) {
    const nn = file.slice(0, 2);
    test(`${file} analyses without errors and matches expected/${nn}.json`, () => {
      const analysis = analyzeFile(nn);
      assert.deepEqual(analysis.errors, []);
      const golden = new URL(`${nn}.json`, expectedDir);
      const json = JSON.stringify(analysis, null, 2) + '\n';
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) writeFileSync(golden, json);
      assert.deepEqual(JSON.parse(json), JSON.parse(readFileSync(golden, 'utf8')));
    });
  }
});

interface KeyFields {
  base: string;
  target: string;
  start: string | null;
  user: string | null;
  workdir: string | null;
  /** Some env pairs that must be present, in this relative order. */
  env: [string, string][];
  ignored: [string, number][];
  images: string[];
}

function assertKeys(a: DockerfileAnalysis, k: KeyFields): void {
  assert.deepEqual(a.errors, []);
  assert.equal(a.plan.base_template, k.base);
  assert.equal(a.target_stage, k.target);
  assert.equal(a.plan.start_cmd, k.start);
  assert.equal(a.plan.default_user, k.user);
  assert.equal(a.plan.default_workdir, k.workdir);
  const envKeys = a.plan.env_assignments.map(([key]) => key);
  let last = -1;
  for (const pair of k.env) {
    const at = envKeys.indexOf(pair[0]);
    assert.ok(at > last, `env ${pair[0]} missing or out of order`);
    assert.deepEqual(a.plan.env_assignments[at], pair);
    last = at;
  }
  assert.deepEqual(a.plan.ignored_instruction_warnings.map((w) => [w.instruction, w.line]), k.ignored);
  assert.deepEqual(a.external_images, k.images);
}

describe('corpus key fields', () => {
  test('01 python: LC with comment lines, legacy ENV, CMD exec', () => {
    const a = analyzeFile('01');
    assertKeys(a, {
      base: 'debian:bookworm-slim', target: '0', start: 'python3', user: null, workdir: null,
      env: [['LANG', 'C.UTF-8'], ['PYTHON_VERSION', '3.12.10']], ignored: [], images: ['debian:bookworm-slim'],
    });
    assert.ok(!a.plan.run_steps.some((r) => /^\s*#/m.test(r)), 'comment lines inside continuations are dropped');
  });
  test('02 python onbuild: ONBUILD ×4 reported with lines', () => {
    const a = analyzeFile('02');
    assertKeys(a, {
      base: 'python:2.7', target: '0', start: null, user: null, workdir: '/usr/src/app', env: [],
      ignored: [['ONBUILD', 6], ['ONBUILD', 7], ['ONBUILD', 8], ['ONBUILD', 10]], images: ['python:2.7'],
    });
    assert.equal(a.warnings.filter((w) => w.includes('ONBUILD')).length, 4);
  });
  test('03 golang alpine: multi-stage, COPY --from=build --link, ENV PATH expansion', () => {
    const a = analyzeFile('03');
    assertKeys(a, {
      base: 'alpine:3.21', target: '1', start: null, user: null, workdir: '/go',
      env: [['GOLANG_VERSION', '1.23.7'], ['GOPATH', '/go'], ['PATH', '/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']],
      ignored: [], images: ['alpine:3.21'],
    });
    const copy = a.plan.build_steps.find((s) => s.from === 'build');
    assert.deepEqual(copy?.flags, { link: 'true' });
  });
  test('04 golang windows: SHELL, escaped backslashes, USER switch, COPY --from an image', () => {
    const a = analyzeFile('04');
    assertKeys(a, {
      base: 'mcr.microsoft.com/windows/nanoserver:ltsc2022', target: '0', start: null, user: 'ContainerUser', workdir: 'C:\\go',
      env: [['GOPATH', 'C:\\go'], ['GOLANG_VERSION', '1.23.7']], ignored: [['SHELL', 9]],
      images: ['mcr.microsoft.com/windows/nanoserver:ltsc2022', 'golang:1.23.7-windowsservercore-ltsc2022'],
    });
    assert.ok(a.warnings.some((w) => w.includes('SHELL')));
  });
  test('05 postgres: ENTRYPOINT + CMD, VOLUME, STOPSIGNAL, EXPOSE', () => {
    const a = analyzeFile('05');
    assertKeys(a, {
      base: 'debian:bookworm-slim', target: '0', start: 'docker-entrypoint.sh postgres', user: null, workdir: null,
      env: [['PG_MAJOR', '17'], ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/17/bin'], ['PGDATA', '/var/lib/postgresql/data']],
      ignored: [['VOLUME', 188], ['STOPSIGNAL', 213], ['EXPOSE', 224]], images: ['debian:bookworm-slim'],
    });
    assert.deepEqual(a.oci_metadata.exposed_ports, ['5432/tcp']);
    assert.deepEqual(a.oci_metadata.volumes, ['/var/lib/postgresql/data']);
  });
  test('07 redis windows: PowerShell SHELL, ${} in ENV, Windows WORKDIR, CMD with escaped backslashes', () => {
    assertKeys(analyzeFile('07'), {
      base: 'microsoft/nanoserver', target: '0', start: "redis-server.exe 'C:\\Redis\\redis.docker.conf'", user: null, workdir: 'C:\\data',
      env: [['REDIS_VERSION', '3.2.100'], ['REDIS_DOWNLOAD_URL', 'https://github.com/MSOpenTech/redis/releases/download/win-3.2.100/Redis-x64-3.2.100.zip']],
      ignored: [['SHELL', 4], ['VOLUME', 37], ['EXPOSE', 40]], images: ['microsoft/nanoserver'],
    });
  });
  test('10 nginx: LABEL, extra spaces in legacy ENV, CMD with a quoted argument', () => {
    const a = analyzeFile('10');
    assertKeys(a, {
      base: 'alpine:3.17', target: '0', start: "/docker-entrypoint.sh nginx -g 'daemon off;'", user: null, workdir: null,
      env: [['NGINX_VERSION', '1.23.3'], ['PKG_RELEASE', '1']], ignored: [['EXPOSE', 118], ['STOPSIGNAL', 120]], images: ['alpine:3.17'],
    });
    assert.equal(a.oci_metadata.labels.maintainer, 'NGINX Docker Maintainers <docker-maint@nginx.com>');
  });
  test('14 jenkins: ARG before FROM, quoted variable in FROM, EXPOSE ${http_port}, USER ${user}', () => {
    const a = analyzeFile('14');
    assertKeys(a, {
      base: 'debian:bookworm-20250113', target: 'controller', start: '/usr/bin/tini -- /usr/local/bin/jenkins.sh', user: 'jenkins', workdir: null,
      env: [['JENKINS_HOME', '/var/jenkins_home'], ['JENKINS_VERSION', '2.479']],
      ignored: [['SHELL', 7], ['VOLUME', 95], ['EXPOSE', 132], ['EXPOSE', 135]], images: ['debian:bookworm-20250113'],
    });
    assert.deepEqual(a.oci_metadata.exposed_ports, ['8080/tcp', '50000/tcp']);
    assert.deepEqual(a.oci_metadata.volumes, ['/var/jenkins_home']);
    assert.equal(a.variable_from, true);
  });
  test('15 jenkins windows: escape directive, backtick continuations with comments, ARG redeclared', () => {
    const a = analyzeFile('15');
    assertKeys(a, {
      base: 'mcr.microsoft.com/windows/servercore:ltsc2019', target: 'controller', start: 'powershell.exe -f C:/ProgramData/Jenkins/jenkins.ps1', user: 'jenkins', workdir: null,
      env: [['JAVA_HOME', 'C:/openjdk-17'], ['JENKINS_VERSION', '2.442']],
      ignored: [['SHELL', 11], ['SHELL', 47], ['VOLUME', 66], ['EXPOSE', 114], ['EXPOSE', 117]],
      images: ['mcr.microsoft.com/windows/servercore:ltsc2019'],
    });
    assert.ok(!a.plan.run_steps.some((r) => r.includes('jlink version 11 has less')), 'comment lines inside a backtick continuation are dropped');
  });
  test('16 dotnet nanoserver: escape directive, ENV with comment lines between pairs, COPY --from JSON with spaces', () => {
    const a = analyzeFile('16');
    assertKeys(a, {
      base: 'mcr.microsoft.com/windows/nanoserver:ltsc2022-amd64', target: '1', start: null, user: 'ContainerUser', workdir: null,
      env: [['ASPNETCORE_HTTP_PORTS', '8080'], ['DOTNET_RUNNING_IN_CONTAINER', 'true'], ['DOTNET_VERSION', '8.0.0-preview.4.23220.7']],
      ignored: [], images: ['mcr.microsoft.com/windows/servercore:ltsc2022-amd64', 'mcr.microsoft.com/windows/nanoserver:ltsc2022-amd64'],
    });
    const copy = a.plan.build_steps.find((s) => s.from === 'installer');
    assert.deepEqual(copy?.args, ['/dotnet', '/Program Files/dotnet']);
  });
  test('18 buildx: 18 stages, FROM by variable, duplicate stage name, mounts from stages', () => {
    const a = analyzeFile('18');
    assertKeys(a, {
      base: 'scratch', target: '17', start: null, user: null, workdir: null, env: [], ignored: [],
      images: ['tonistiigi/xx@sha256:21a61be4744f6531cb5f33b0e6f40ede41fa3a1b8c82d5946178f80cc84bfc04', 'golang:1.17.0-alpine'],
    });
    assert.equal(a.stages.length, 18);
    assert.ok(a.plan.build_steps.some((s) => s.stage === 'buildx-version'), 'the stage read by RUN --mount from= is needed');
    assert.ok(!a.plan.build_steps.some((s) => s.stage === 'shell'));
    const shell = analyzeFile('18', 'shell');
    assert.deepEqual(shell.external_images, ['tonistiigi/xx@sha256:21a61be4744f6531cb5f33b0e6f40ede41fa3a1b8c82d5946178f80cc84bfc04', 'golang:1.17.0-alpine', 'docker:20.10.8', 'alpine']);
    assert.deepEqual(shell.plan.ignored_instruction_warnings, [{ instruction: 'VOLUME', line: 78 }]);
    assert.equal(shell.plan.start_cmd, 'entrypoint.sh');
  });
  test('19 buildkit authors: syntax directive, heredoc bodies keep # lines, targets', () => {
    const a = analyzeFile('19');
    assertKeys(a, { base: 'alpine:3.23', target: 'validate', start: null, user: null, workdir: '/src', env: [], ignored: [], images: ['alpine:3.23'] });
    assert.match(a.plan.run_steps[1], /# see also "\.mailmap"/);
    assert.match(a.plan.run_steps[1], /^ {2}set -e\n/);
    const update = analyzeFile('19', 'update');
    assert.equal(update.plan.base_template, 'scratch');
    assert.equal(update.plan.build_steps.at(-1)?.from, 'gen');
  });
  test('20 buildkit lint: ADD of a git URL, quoted heredoc, relative WORKDIR, FROM chosen by a variable', () => {
    const a = analyzeFile('20');
    assertKeys(a, {
      base: 'scratch', target: '18', start: null, user: null, workdir: null, env: [], ignored: [],
      images: ['golang:1.26-alpine3.23', 'yoheimuta/protolint:0.56.4', 'tonistiigi/xx:1.9.0'],
    });
    assert.ok(!a.plan.build_steps.some((s) => s.stage === 'golangci-build'), 'GOLANGCI_FROM_SOURCE=false leaves the source build out');
    const fromSource = analyzeDockerfile(readFileSync(new URL(files[19], corpusDir), 'utf8'), { platform: AMD64, buildArgs: { GOLANGCI_FROM_SOURCE: 'true' } });
    assert.ok(fromSource.warnings.some((w) => w.includes('https://github.com/golangci/golangci-lint.git#v2.12.2')));
    const gopls = analyzeFile('20', 'gopls');
    assert.equal(gopls.plan.default_workdir, '/src/tools/gopls');
    assert.match(gopls.plan.run_steps.at(-1) ?? '', /^ {2}set -ex\n[\s\S]*cat <<'eot' >[\s\S]*done\n$/);
  });
  test('21 secret mount: secret id recorded', () => {
    const a = analyzeFile('21');
    assertKeys(a, { base: 'busybox', target: '0', start: null, user: null, workdir: null, env: [], ignored: [], images: ['busybox'] });
    assert.deepEqual(a.secret_ids, ['MYSECRET']);
  });
  test('22 multi golang: FROM --platform with a default expansion, COPY --from a stage, legacy ENV', () => {
    const a = analyzeFile('22');
    assertKeys(a, { base: 'alpine:latest', target: '2', start: null, user: null, workdir: null, env: [], ignored: [], images: ['tonistiigi/xx:golang', 'golang:1.13-alpine', 'alpine:latest'] });
    assert.deepEqual(a.warnings, []);
    const builder = analyzeFile('22', 'builder');
    assert.deepEqual(builder.plan.env_assignments, [['CGO_ENABLED', '0'], ['GO111MODULE', 'on'], ['GOPROXY', 'https://goproxy.io'], ['DIUN_VERSION', 'v4.4.0']]);
  });
  test('23 docs archive: shell-form CMD rendered through /bin/sh -c', () => {
    const a = analyzeFile('23');
    assert.equal(a.plan.start_cmd, `/bin/sh -c 'echo -e "Docker docs are viewable at:\\nhttp://0.0.0.0:4000"; exec nginx -g '\\''daemon off;'\\'''`);
    assert.deepEqual(a.external_images, ['docs/docker.github.io:docs-builder', 'docs/docker.github.io:docs-config', 'nginx:alpine']);
  });
  test('24 next.js: USER, quoted legacy ENV, COPY --from --chown', () => {
    const a = analyzeFile('24');
    assertKeys(a, {
      base: 'node:18-alpine', target: 'runner', start: 'node server.js', user: 'nextjs', workdir: '/app',
      env: [['NODE_ENV', 'production'], ['PORT', '3000'], ['HOSTNAME', '0.0.0.0']], ignored: [['EXPOSE', 59]], images: ['node:18-alpine'],
    });
    assert.ok(a.plan.build_steps.some((s) => s.from === 'builder' && s.flags?.chown === 'nextjs:nodejs'));
  });
  test('25 uptime-kuma: HEALTHCHECK flags on the release target', () => {
    const a = analyzeFile('25', 'release');
    assertKeys(a, {
      base: 'louislam/uptime-kuma:base-debian', target: 'release', start: '/usr/bin/dumb-init -- extra/entrypoint.sh node server/server.js', user: null, workdir: '/app',
      env: [], ignored: [['EXPOSE', 19], ['VOLUME', 20]], images: ['louislam/uptime-kuma:base-debian'],
    });
    assert.deepEqual(a.oci_metadata.healthcheck, {
      test: ['CMD-SHELL', 'node extra/healthcheck.js'], interval_ns: 60e9, timeout_ns: 30e9, start_period_ns: 180e9, retries: 5, mapped_readiness: true,
    });
    assert.deepEqual(a.plan.readiness, { kind: 'command', command: 'node extra/healthcheck.js', timeout_secs: 30, interval_ms: 60000, startup_grace_secs: 180 });
    const last = analyzeFile('25');
    assert.equal(last.target_stage, 'upload-artifact');
    assert.equal(last.oci_metadata.healthcheck, null);
  });
  test('27 prometheus: column-aligned, legacy LABEL, CMD JSON over continued lines, USER after ENTRYPOINT', () => {
    const a = analyzeFile('27');
    assertKeys(a, {
      base: 'quay.io/prometheus/busybox:latest', target: '0',
      start: '/bin/prometheus -config.file=/etc/prometheus/prometheus.yml -storage.local.path=/prometheus -web.console.libraries=/usr/share/prometheus/console_libraries -web.console.templates=/usr/share/prometheus/consoles',
      user: 'prometheus', workdir: '/prometheus', env: [], ignored: [['EXPOSE', 16], ['VOLUME', 17]], images: ['quay.io/prometheus/busybox:latest'],
    });
    assert.ok(Object.values(a.oci_metadata.labels).some((v) => !v.startsWith('"')), 'legacy LABEL values are unquoted');
  });
  test('28 meilisearch: exec ENTRYPOINT + shell CMD, EXPOSE 7700/tcp kept', () => {
    const a = analyzeFile('28');
    assertKeys(a, {
      base: 'alpine:3.22', target: '1', start: 'tini -- /bin/sh -c /bin/meilisearch', user: null, workdir: '/meili_data',
      env: [['MEILI_HTTP_ADDR', '0.0.0.0:7700'], ['MEILI_SERVER_PROVIDER', 'docker']], ignored: [['EXPOSE', 45]], images: ['rust:1.89-alpine3.22', 'alpine:3.22'],
    });
    assert.deepEqual(a.oci_metadata.exposed_ports, ['7700/tcp']);
  });
  test('29 chrome: MAINTAINER and two ADD URLs', () => {
    const a = analyzeFile('29');
    assertKeys(a, {
      base: 'debian:sid', target: '0', start: '/usr/bin/google-chrome --user-data-dir=/data', user: null, workdir: null, env: [],
      ignored: [['MAINTAINER', 19]], images: ['debian:sid'],
    });
    assert.equal(a.warnings.filter((w) => w.includes('from the network')).length, 2);
    assert.ok(!a.context_references.some((r) => r.source.startsWith('http')));
  });
  test('30 spotify: tab after the keyword, ENV HOME then WORKDIR $HOME', () => {
    assertKeys(analyzeFile('30'), {
      base: 'debian:sid', target: '0', start: 'spotify -stylesheet=/home/spotify/spotify-override.css', user: 'spotify', workdir: '/home/spotify',
      env: [['HOME', '/home/spotify']], ignored: [['MAINTAINER', 14]], images: ['debian:sid'],
    });
  });
});
