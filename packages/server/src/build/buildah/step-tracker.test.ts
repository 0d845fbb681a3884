import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildStep } from '../../domain/plan-types.ts';
import { runExitCode, StepTracker } from './step-tracker.ts';

const step = (index: number, instruction: BuildStep['instruction'], line: number, stage: string): BuildStep => ({ index, instruction, line, stage, args: [] });

test('buildah\'s per-stage step numbers map onto the plan\'s build steps', () => {
  // Stage 1 (lines 1-3) is not needed for the target; stage 2 is lines 4-7 with an added ARG after FROM.
  const plan = [step(1, 'FROM', 4, 'final'), step(2, 'RUN', 5, 'final'), step(3, 'COPY', 7, 'final')];
  const t = new StepTracker([[1, 2, 3], [4, null, 5, 6, 7]], plan);
  assert.deepEqual(t.read('[2/2] STEP 1/5: FROM busybox AS final'), { kind: 'step', step: { step_index: 1, total_steps: 3, instruction: 'FROM', text: 'FROM busybox AS final' } });
  assert.equal((t.read('[2/2] STEP 2/5: ARG TOKEN') as { step: { step_index: number } }).step.step_index, 1, 'an added ARG counts as its FROM');
  assert.equal((t.read('[2/2] STEP 3/5: RUN make') as { step: { step_index: number } }).step.step_index, 2);
  assert.equal((t.read('[2/2] STEP 4/5: CMD ["x"]') as { step: { step_index: number } }).step.step_index, 2, 'CMD is not a plan step: it stays on the step before');
  assert.equal((t.read('[2/2] STEP 5/5: COPY a /a') as { step: { step_index: number; instruction: string } }).step.step_index, 3);
  assert.equal(t.current?.instruction, 'COPY');
  assert.deepEqual(t.read('--> Using cache 5c9c7cc830467d85cf7f1ad546d9ef8735ffd4f7468f1f4f8246d31823604637'), { kind: 'cache_hit' });
  assert.deepEqual(t.read('make: Nothing to be done'), { kind: 'output' });
});

test('single-stage output has no stage prefix; without a plan, buildah\'s own numbers are used', () => {
  const t = new StepTracker([[1, 2]], []);
  assert.deepEqual(t.read('STEP 2/2: RUN true'), { kind: 'step', step: { step_index: 2, total_steps: 2, instruction: 'RUN', text: 'RUN true' } });
});

test('the exit code of a failed RUN is read from buildah\'s error line', () => {
  assert.equal(runExitCode(['x', 'Error: building at STEP "RUN exit 3": while running runtime: exit status 3']), 3);
  assert.equal(runExitCode(['Error: creating build container: manifest unknown']), undefined);
});
