import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDockerfile, type AnalyzeOptions } from './analyze-dockerfile.ts';

const AMD64 = { os: 'linux', arch: 'amd64', variant: '' };
const analyze = (text: string, opts: AnalyzeOptions = {}) => analyzeDockerfile(text, { platform: AMD64, ...opts });
const codes = (text: string, opts: AnalyzeOptions = {}) => analyze(text, opts).errors.map((e) => [e.code, e.line]);

describe('ARG and expansion', () => {
  test('global ARGs feed FROM; a stage must re-declare them; build_args override defaults', () => {
    const text = 'ARG TAG=3.20\nARG REG\nFROM ${REG:-docker.io/library}/alpine:$TAG\nRUN echo $TAG\nENV A=$TAG\nARG TAG\nENV B=$TAG\n';
    const a = analyze(text);
    assert.deepEqual(a.errors, []);
    assert.equal(a.plan.base_template, 'docker.io/library/alpine:3.20');
    assert.deepEqual(a.plan.env_assignments, [['A', ''], ['B', '3.20']]);
    assert.deepEqual(a.plan.run_steps, ['echo $TAG']);
    assert.equal(a.variable_from, true);
    const b = analyze(text, { buildArgs: { TAG: '3.21', REG: 'r.example' } });
    assert.equal(b.plan.base_template, 'r.example/alpine:3.21');
    assert.deepEqual(b.plan.env_assignments, [['A', ''], ['B', '3.21']]);
  });
  test('automatic platform ARGs are usable in FROM and after ARG in a stage', () => {
    const a = analyze('FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\nENV ARCH=$TARGETARCH P=$TARGETPLATFORM\n');
    assert.deepEqual(a.plan.env_assignments, [['ARCH', 'amd64'], ['P', '']]);
    assert.deepEqual(a.plan.build_steps[0].flags, { platform: 'linux/amd64' });
    assert.deepEqual(a.warnings, []);
    const arm = analyzeDockerfile('FROM a\nARG TARGETPLATFORM\nENV P=$TARGETPLATFORM\n', { platform: { os: 'linux', arch: 'arm64', variant: 'v8' } });
    assert.deepEqual(arm.plan.env_assignments, [['P', 'linux/arm64/v8']]);
  });
  test('ENV forms: pairs, legacy with spaces, quotes, references to earlier values; ENV beats ARG', () => {
    const a = analyze('FROM a\nARG X=arg\nENV X=env\nENV LEGACY value  with "quotes"\nENV A=1 B="two words" C=$X\nENV D=${A}x A=2 E=$A\nENV PATH=/opt/bin:$PATH\n');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(a.plan.env_assignments, [
      ['X', 'env'], ['LEGACY', 'value  with quotes'], ['A', '2'], ['B', 'two words'], ['C', 'env'], ['D', '1x'], ['E', '1'],
      ['PATH', '/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ]);
  });
  test('RUN, CMD and ENTRYPOINT text is not expanded', () => {
    const a = analyze('FROM a\nENV V=1\nRUN echo $V "${V}"\nCMD echo $V\n');
    assert.deepEqual(a.plan.run_steps, ['echo $V "${V}"']);
    assert.equal(a.plan.start_cmd, "/bin/sh -c 'echo $V'");
  });
  test('COPY, WORKDIR, USER, LABEL, EXPOSE and VOLUME are expanded', () => {
    const a = analyze('FROM a\nARG U=app\nARG P=8080\nENV D=/srv\nWORKDIR $D\nWORKDIR sub/../web\nUSER ${U}:${U}\nCOPY --chown=$U:$U src/$U $D/\nLABEL v=$P "x y"=z\nLABEL legacy "quoted value"\nEXPOSE $P 53/UDP 7700/tcp\nVOLUME ["$D/data"] \n');
    assert.deepEqual(a.errors, []);
    assert.equal(a.plan.default_workdir, '/srv/web');
    assert.equal(a.plan.default_user, 'app:app');
    assert.deepEqual(a.context_references, [{ line: 8, instruction: 'COPY', source: 'src/app' }]);
    const copy = a.plan.build_steps.find((s) => s.instruction === 'COPY');
    assert.deepEqual(copy?.args, ['src/app', '/srv/']);
    assert.deepEqual(copy?.flags, { chown: 'app:app' });
    assert.deepEqual(a.oci_metadata.labels, { v: '8080', 'x y': 'z', legacy: 'quoted value' });
    assert.deepEqual(a.oci_metadata.exposed_ports, ['8080/tcp', '53/udp', '7700/tcp']);
    assert.deepEqual(a.oci_metadata.volumes, ['/srv/data']);
  });
});

describe('stages and targets', () => {
  const text = [
    'FROM golang:1.23 AS Build', // 1
    'RUN go build -o /app', // 2
    'FROM node:22 AS assets', // 3
    'RUN npm ci', // 4
    'FROM build AS test', // 5
    'RUN go test', // 6
    'FROM debian:bookworm AS runtime', // 7
    'COPY --from=build /app /app', // 8
    'COPY --from=nginx:1.27 /etc/nginx /etc/nginx', // 9
    'RUN --mount=type=secret,id=tok --mount=type=secret,target=/run/secrets/npmrc --mount=from=assets,target=/a cat /a', // 10
    'FROM runtime', // 11
    'CMD ["/app"]', // 12
  ].join('\n');
  test('the last stage is the default target; only needed stages contribute', () => {
    const a = analyze(text);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(a.stages, ['build', 'assets', 'test', 'runtime', '4']);
    assert.equal(a.target_stage, '4');
    assert.equal(a.plan.base_template, 'debian:bookworm');
    assert.deepEqual(a.external_images, ['golang:1.23', 'node:22', 'debian:bookworm', 'nginx:1.27']);
    assert.deepEqual(a.plan.run_steps, ['go build -o /app', 'npm ci', 'cat /a']);
    assert.deepEqual(a.secret_ids, ['tok', 'npmrc']);
    assert.deepEqual(a.plan.build_steps.map((s) => [s.index, s.instruction, s.line, s.stage]), [
      [1, 'FROM', 1, 'build'], [2, 'RUN', 2, 'build'], [3, 'FROM', 3, 'assets'], [4, 'RUN', 4, 'assets'],
      [5, 'FROM', 7, 'runtime'], [6, 'COPY', 8, 'runtime'], [7, 'COPY', 9, 'runtime'], [8, 'RUN', 10, 'runtime'], [9, 'FROM', 11, '4'],
    ]);
    assert.equal(a.plan.build_steps[5].from, 'build');
    assert.equal(a.plan.start_cmd, '/app');
  });
  test('build_target selects a stage by name, case-insensitively', () => {
    const a = analyze(text, { buildTarget: 'TEST' });
    assert.equal(a.target_stage, 'test');
    assert.equal(a.plan.base_template, 'golang:1.23');
    assert.deepEqual(a.plan.run_steps, ['go build -o /app', 'go test']);
    assert.deepEqual(a.external_images, ['golang:1.23']);
  });
  test('an unknown build_target lists the stages', () => {
    const a = analyze(text, { buildTarget: 'nope' });
    assert.equal(a.errors[0].code, 'unknown_build_target');
    assert.match(a.errors[0].message, /build, assets, test, runtime, 4/);
  });
  test('template refs and scratch bases', () => {
    const isTemplateRef = (ref: string) => ref.startsWith('kiln/');
    const a = analyze('FROM kiln/python-base:v2 AS base\nCOPY --from=kiln/tools / /\nFROM base\n', { isTemplateRef });
    assert.equal(a.plan.base_template, 'kiln/python-base:v2');
    assert.deepEqual(a.external_images, []);
    assert.equal(analyze('FROM scratch\nCOPY x /\n').plan.base_template, 'scratch');
  });
  test('COPY --from of a later or unknown stage is undefined_stage; index references work', () => {
    assert.deepEqual(codes('FROM a AS one\nCOPY --from=two / /\nFROM b AS two\n'), [['undefined_stage', 2]]);
    assert.deepEqual(codes('FROM a\nCOPY --from=builder / /\n'), [['undefined_stage', 2]]);
    assert.deepEqual(codes('FROM a\nFROM b\nCOPY --from=0 / /\n'), []);
    assert.deepEqual(codes('FROM a\nCOPY --from=1 / /\nFROM b\n'), [['undefined_stage', 2]]);
  });
});

describe('runtime defaults', () => {
  const start = (text: string) => analyze(`FROM a\n${text}`).plan.start_cmd;
  test('CMD and ENTRYPOINT combinations', () => {
    assert.equal(start('CMD ["python3", "-m", "http.server"]'), 'python3 -m http.server');
    assert.equal(start('ENTRYPOINT ["tini", "--"]\nCMD ["run", "it now"]'), "tini -- run 'it now'");
    assert.equal(start('ENTRYPOINT ["tini", "--"]\nCMD /bin/app --x'), "tini -- /bin/sh -c '/bin/app --x'");
    assert.equal(start('ENTRYPOINT exec app\nCMD ["ignored"]'), "/bin/sh -c 'exec app' ignored");
    assert.equal(start("CMD echo 'hi'; exec nginx"), `/bin/sh -c 'echo '\\''hi'\\''; exec nginx'`);
    assert.equal(start(''), null);
  });
  test('a CMD set earlier in the same stage survives ENTRYPOINT; an inherited one is reset', () => {
    assert.equal(start('CMD ["serve"]\nENTRYPOINT ["app"]'), 'app serve');
    assert.equal(analyze('FROM a AS p\nCMD ["serve"]\nFROM p\nENTRYPOINT ["app"]\n').plan.start_cmd, 'app');
    assert.equal(analyze('FROM a AS p\nENTRYPOINT ["app"]\nFROM p\nCMD ["serve"]\n').plan.start_cmd, 'app serve');
  });
  test('USER, WORKDIR, ENV and labels are inherited through the FROM chain', () => {
    const a = analyze('FROM a AS p\nUSER app\nWORKDIR /srv\nENV A=1\nLABEL x=1\nFROM p\nWORKDIR web\nENV B=2\n');
    assert.equal(a.plan.default_user, 'app');
    assert.equal(a.plan.default_workdir, '/srv/web');
    assert.deepEqual(a.plan.env_assignments, [['A', '1'], ['B', '2']]);
    assert.deepEqual(a.oci_metadata.labels, { x: '1' });
    assert.equal(analyze('FROM a\nWORKDIR rel\n').plan.default_workdir, '/rel');
  });
  test('HEALTHCHECK maps to OCI metadata and readiness; NONE clears it', () => {
    const a = analyze('FROM a\nHEALTHCHECK --interval=5s --timeout=2s --start-period=1m30s --retries=4 CMD curl -fsS http://localhost:8080/health || exit 1\n');
    assert.deepEqual(a.oci_metadata.healthcheck, {
      test: ['CMD-SHELL', 'curl -fsS http://localhost:8080/health || exit 1'],
      interval_ns: 5e9, timeout_ns: 2e9, start_period_ns: 90e9, retries: 4, mapped_readiness: true,
    });
    assert.deepEqual(a.plan.readiness, { kind: 'http', url: 'http://localhost:8080/health', port: 8080, timeout_secs: 2, interval_ms: 5000, startup_grace_secs: 90 });
    const tcp = analyze('FROM a\nHEALTHCHECK CMD ["nc", "-z", "127.0.0.1", "5432"]\n');
    assert.deepEqual(tcp.plan.readiness, { kind: 'tcp', port: 5432, timeout_secs: 30, interval_ms: 500, startup_grace_secs: 0 });
    assert.equal(tcp.oci_metadata.healthcheck?.interval_ns, 30e9);
    assert.equal(tcp.oci_metadata.healthcheck?.retries, 3);
    const cmd = analyze('FROM a\nHEALTHCHECK CMD pg_isready -U postgres\n');
    assert.deepEqual(cmd.plan.readiness, { kind: 'command', command: 'pg_isready -U postgres', timeout_secs: 30, interval_ms: 500, startup_grace_secs: 0 });
    const none = analyze('FROM a AS p\nHEALTHCHECK CMD true\nFROM p\nHEALTHCHECK NONE\n');
    assert.equal(none.oci_metadata.healthcheck, null);
    assert.equal(none.plan.readiness, null);
    assert.deepEqual(codes('FROM a\nHEALTHCHECK --interval=soon CMD true\n'), [['dockerfile_parse_error', 2]]);
  });
});

describe('instructions Kiln does not execute', () => {
  test('are listed with the line where they start, in the needed stages only', () => {
    const text = '# syntax=docker/dockerfile:1\n\nFROM a AS unused\nEXPOSE 1\nFROM b\n# comment\nEXPOSE 80\nVOLUME /data\nSTOPSIGNAL SIGTERM\nSHELL ["/bin/bash", "-c"]\nONBUILD RUN x\nMAINTAINER me\nRUN a \\\n  b\nEXPOSE \\\n  81\n';
    const a = analyze(text);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(a.plan.ignored_instructions, ['EXPOSE', 'VOLUME', 'STOPSIGNAL', 'SHELL', 'ONBUILD', 'MAINTAINER', 'EXPOSE']);
    assert.deepEqual(a.plan.ignored_instruction_warnings.map((w) => w.line), [7, 8, 9, 10, 11, 12, 15]);
    assert.ok(a.warnings.some((w) => w.includes('SHELL') && w.includes('/bin/sh -c')));
    assert.ok(a.warnings.some((w) => w.includes('ONBUILD')));
    assert.ok(a.warnings.some((w) => w.includes('MAINTAINER')));
  });
  test('line numbers are unchanged by the escape directive', () => {
    const a = analyze('# escape=`\nFROM a\nRUN x `\n  y\nEXPOSE 80\n');
    assert.deepEqual(a.plan.ignored_instruction_warnings, [{ instruction: 'EXPOSE', line: 5 }]);
    assert.deepEqual(a.plan.run_steps, ['x   y']);
  });
});

describe('heredocs and sources', () => {
  test('RUN heredocs: a lone heredoc runs its body; otherwise the text keeps the bodies', () => {
    const a = analyze("FROM a\nRUN <<EOF\n#!/bin/sh\necho $HOME\nEOF\nRUN cat <<'X' > /f\n# kept\nX\n");
    assert.deepEqual(a.plan.run_steps, ['#!/bin/sh\necho $HOME\n', "cat <<'X' > /f\n# kept\nX"]);
  });
  test('COPY heredocs are not context references; their bodies are expanded unless quoted', () => {
    const a = analyze("FROM a\nENV N=kiln\nCOPY <<EOF /etc/name\nname=$N \"q\"\nEOF\nCOPY <<'EOF' /etc/raw\n$N\nEOF\n");
    assert.deepEqual(a.context_references, []);
    const copies = a.plan.build_steps.filter((s) => s.instruction === 'COPY');
    assert.deepEqual(copies[0].flags, { 'heredoc:EOF': 'name=kiln "q"\n' });
    assert.deepEqual(copies[1].flags, { 'heredoc:EOF': '$N\n' });
  });
  test('ADD of a URL is fetched, not read from the context, and warned about', () => {
    const a = analyze('FROM a\nADD https://example.com/x.tgz /x.tgz\nADD local.tgz /\nADD git@github.com:o/r.git /r\n');
    assert.deepEqual(a.context_references, [{ line: 3, instruction: 'ADD', source: 'local.tgz' }]);
    assert.equal(a.warnings.filter((w) => w.includes('from the network')).length, 2);
  });
  test('exec-form RUN is rendered as JSON text', () => {
    const a = analyze('FROM a\nRUN ["echo", "a b"]\n');
    assert.deepEqual(a.plan.run_steps, ['["echo","a b"]']);
    assert.equal(a.plan.build_steps[1].exec_form, true);
    assert.deepEqual(a.plan.build_steps[1].args, ['echo', 'a b']);
  });
});

describe('errors', () => {
  test('empty text, no FROM, unknown instruction, instruction before FROM', () => {
    assert.deepEqual(codes(''), [['dockerfile_parse_error', 1]]);
    assert.deepEqual(codes('# only a comment\n'), [['dockerfile_parse_error', 1]]);
    assert.deepEqual(codes('FROM a\n\nFOO bar\n'), [['unsupported_instruction', 3]]);
    assert.deepEqual(codes('RUN x\nFROM a\n'), [['dockerfile_parse_error', 1]]);
    assert.deepEqual(codes('ARG X=1\nFROM a\n'), []);
    assert.deepEqual(codes('FROM a b\n'), [['dockerfile_parse_error', 1]]);
    assert.deepEqual(codes('FROM a\nENV ONLYKEY\n'), [['dockerfile_parse_error', 2]]);
    assert.deepEqual(codes('FROM a\nCOPY onlyone\n'), [['dockerfile_parse_error', 2]]);
  });
  test('too large inputs are refused before parsing', () => {
    assert.equal(analyze('FROM a\n' + 'RUN x\n'.repeat(50_000)).errors[0].code, 'dockerfile_too_large');
    assert.equal(analyze('FROM a\nRUN ' + 'x'.repeat(1024 * 1024)).errors[0].code, 'dockerfile_too_large');
  });
  test('binary garbage yields errors, not exceptions', () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1');
    const a = analyze(bytes);
    assert.ok(a.errors.length > 0);
  });
});

describe('size', () => {
  test('a 10,000-line Dockerfile analyses completely', { timeout: 10_000 }, () => {
    const lines = ['FROM debian AS s0'];
    for (let i = 1; lines.length < 10_000; i++) {
      if (i % 1000 === 0) lines.push(`FROM s${i / 1000 - 1} AS s${i / 1000}`);
      else if (i % 3 === 0) lines.push('ENV V' + i + '=${V' + (i - 3) + '}x');
      else if (i % 3 === 1) lines.push(`RUN echo ${i} \\`, `  && true`);
      else lines.push(`COPY f${i} /f${i}`);
    }
    const a = analyze(lines.join('\n'));
    assert.deepEqual(a.errors, []);
    assert.equal(a.stages.length, lines.filter((l) => l.startsWith('FROM')).length);
    assert.equal(a.plan.run_steps.length, lines.filter((l) => l.startsWith('RUN')).length);
    assert.equal(a.plan.env_assignments.length, lines.filter((l) => l.startsWith('ENV')).length);
    assert.deepEqual(a.plan.env_assignments[2], ['V9', 'xxx']);
  });
});
