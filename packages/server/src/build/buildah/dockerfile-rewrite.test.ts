import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteDockerfile } from './dockerfile-rewrite.ts';

const OCI = 'oci:/run/kiln-oci/abc/def:kiln/busybox:latest';

test('a FROM of a Kiln image points at its layout; flags, stage name and other lines stay as written', () => {
  const text = 'ARG V=1\nFROM --platform=$BUILDPLATFORM kiln/busybox AS build\nRUN echo $V\n# note\nFROM alpine:3\nCOPY --from=build /a /a\n';
  const r = rewriteDockerfile(text, { fromImages: new Map([[2, OCI]]), stageArgs: [] });
  assert.equal(r.text, `ARG V=1\nFROM --platform=$BUILDPLATFORM ${OCI} AS build\nRUN echo $V\n# note\nFROM alpine:3\nCOPY --from=build /a /a\n`);
  assert.deepEqual(r.stages, [[2, 3], [5, 6]]);
});

test('a FROM continued over several lines becomes one line, keeping later line numbers', () => {
  const text = 'FROM \\\n  kiln/busybox \\\n  AS base\nRUN true\n';
  const r = rewriteDockerfile(text, { fromImages: new Map([[1, OCI]]), stageArgs: [] });
  assert.deepEqual(r.text.split('\n'), [`FROM ${OCI} AS base`, '', '', 'RUN true', '']);
  assert.deepEqual(r.stages, [[1, 4]]);
});

test('build-only variables are declared as ARGs at the top of every stage, and the table marks them as added', () => {
  const text = 'FROM a AS one\nRUN one\nFROM b\nRUN two\n';
  const r = rewriteDockerfile(text, { fromImages: new Map(), stageArgs: ['TOKEN', 'MODE'] });
  assert.deepEqual(r.text.split('\n'), ['FROM a AS one', 'ARG TOKEN', 'ARG MODE', 'RUN one', 'FROM b', 'ARG TOKEN', 'ARG MODE', 'RUN two', '']);
  assert.deepEqual(r.stages, [[1, null, null, 2], [3, null, null, 4]]);
});

test('a FROM that is the last instruction still gets its ARGs', () => {
  const r = rewriteDockerfile('FROM kiln/busybox', { fromImages: new Map([[1, OCI]]), stageArgs: ['X'] });
  assert.equal(r.text, `FROM ${OCI}\nARG X`);
  assert.deepEqual(r.stages, [[1, null]]);
});
