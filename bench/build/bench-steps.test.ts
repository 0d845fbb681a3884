import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepsToDockerfile } from '../../packages/server/src/dockerfile/steps-to-dockerfile.ts';
import { analyzeDockerfile } from '../../packages/server/src/dockerfile/analyze-dockerfile.ts';
import { BENCH_BASE, BENCH_STEPS, benchDockerfile, PEER_BASE } from './bench-steps.ts';

test('the declarative steps convert to exactly the Dockerfile the peer builds, up to its FROM line', () => {
  const conversion = stepsToDockerfile(BENCH_BASE, BENCH_STEPS);
  assert.deepEqual(conversion.problems, []);
  assert.equal(conversion.dockerfile, benchDockerfile(BENCH_BASE));
  const peer = benchDockerfile(PEER_BASE).split('\n');
  assert.equal(peer[0], `FROM ${PEER_BASE}`);
  assert.deepEqual(peer.slice(1), benchDockerfile(BENCH_BASE).split('\n').slice(1));
});

test('the Dockerfile has ten steps after FROM, none of which Kiln ignores', () => {
  const analysis = analyzeDockerfile(benchDockerfile(BENCH_BASE));
  assert.deepEqual(analysis.errors, []);
  const steps = analysis.plan.build_steps.filter((s) => s.instruction !== 'FROM');
  assert.equal(steps.length, 10);
  assert.deepEqual(analysis.plan.ignored_instructions, []);
  assert.equal(BENCH_STEPS.length, 10);
});
