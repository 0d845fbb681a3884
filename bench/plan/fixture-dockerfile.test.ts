import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeDockerfile } from '../../packages/server/src/dockerfile/analyze-dockerfile.ts';
import { FIXTURE_LINES, fixtureContextFiles, fixtureDockerfile, variantDockerfile } from './fixture-dockerfile.ts';
import { median } from './micro-bench.ts';

test('the fixture is the same 100-line text every time, and the saved file matches it', () => {
  const text = fixtureDockerfile();
  assert.equal(text, fixtureDockerfile());
  assert.ok(text.endsWith('\n'));
  assert.equal(text.split('\n').length - 1, FIXTURE_LINES);
  assert.equal(readFileSync(new URL('./fixture-100-lines.Dockerfile', import.meta.url), 'utf8'), text);
});

test('the fixture uses every instruction the benchmark promises, with ARG before FROM and several stages', () => {
  const keywords = fixtureDockerfile().split('\n').map((l) => /^([A-Z]+)\s/.exec(l)?.[1]).filter(Boolean);
  for (const k of ['ARG', 'FROM', 'ENV', 'RUN', 'COPY', 'WORKDIR', 'USER', 'EXPOSE', 'HEALTHCHECK', 'CMD']) assert.ok(keywords.includes(k), k);
  assert.equal(keywords[0], 'ARG');
  assert.equal(keywords.filter((k) => k === 'FROM').length, 4);
});

test('the fixture analyses without problems into the runtime stage', () => {
  const a = analyzeDockerfile(fixtureDockerfile());
  assert.deepEqual(a.errors, []);
  assert.equal(a.plan.base_template, 'node:22.11.0-bookworm-slim');
  assert.equal(a.plan.default_user, 'app');
  assert.equal(a.plan.default_workdir, '/srv/app');
  assert.equal(a.plan.start_cmd, '/usr/bin/tini -- ./bin/entrypoint.sh node dist/server.js');
  assert.equal(a.plan.readiness?.kind, 'command');
  assert.ok(a.plan.env_assignments.some(([k, v]) => k === 'CONFIG_FILE' && v === '/srv/app/config/app.yaml'));
});

test('every context source the fixture copies is in the fixture context', () => {
  const paths = fixtureContextFiles().map((f) => f.path);
  const refs = analyzeDockerfile(fixtureDockerfile()).context_references;
  assert.ok(refs.length >= 8);
  for (const ref of refs) {
    const found = ref.source.endsWith('/') ? paths.some((p) => p.startsWith(ref.source)) : paths.includes(ref.source);
    assert.ok(found, `${ref.source} (line ${ref.line})`);
  }
});

test('a variant differs only in its marker comment', () => {
  const text = fixtureDockerfile();
  const v = variantDockerfile(text, 'abc');
  assert.notEqual(v, text);
  assert.equal(v.split('\n').length, text.split('\n').length);
  assert.equal(v.split('\n').filter((l, i) => l !== text.split('\n')[i]).join(), '# build id: abc');
});

test('median of odd and even lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
