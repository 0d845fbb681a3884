import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFailure } from './buildah-errors.ts';
import type { StartedStep } from './step-tracker.ts';

const from: StartedStep = { step_index: 1, total_steps: 2, instruction: 'FROM', text: 'FROM 127.0.0.1:5000/base/x:1' };
const run: StartedStep = { step_index: 2, total_steps: 2, instruction: 'RUN', text: 'RUN make' };

test('a RUN that exits non-zero is step_failed with its index, exit code and last lines', () => {
  const err = buildFailure({ step: run, tail: ['STEP 2/2: RUN make', 'make: *** no rule', 'Error: building at STEP "RUN make": while running runtime: exit status 2'] });
  assert.equal(err.code, 'step_failed');
  assert.equal(err.phase, 'step');
  assert.equal(err.stepIndex, 2);
  assert.match(err.message, /^Step 2\/2 \(RUN make\) exited with code 2\.\nLast output:\n.*make: \*\*\* no rule/s);
});

test('pull failures name the base image problem', () => {
  const pull = (line: string) => buildFailure({ step: from, tail: ['STEP 1/2: FROM 127.0.0.1:5000/base/x:1', `Error: creating build container: initializing source docker://127.0.0.1:5000/base/x:1: reading manifest 1 in 127.0.0.1:5000/base/x: ${line}`] });
  assert.equal(pull('manifest unknown: manifest unknown').code, 'base_image_not_found');
  assert.equal(pull('name unknown: repository name not known to registry').code, 'base_image_not_found');
  assert.equal(pull('unauthorized: authentication required').code, 'registry_auth_failed');
  assert.equal(pull('unauthorized: authentication required').phase, 'preparing');
  const multi = buildFailure({ step: from, tail: ['Error: creating build container: initializing source docker://h/x:1: reading manifest 1 in h/x: errors:', 'denied: requested access to the resource is denied', 'unauthorized: authentication required'] });
  assert.equal(multi.code, 'registry_auth_failed');
  const refused = buildFailure({ step: from, tail: ['Error: creating build container: initializing source docker://127.0.0.1:1/x/y:1: pinging container registry 127.0.0.1:1: Get "https://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused'] });
  assert.equal(refused.code, 'registry_unreachable');
});

test('anything else is dockerfile_build_failed with buildah\'s own words', () => {
  const err = buildFailure({ step: { ...run, instruction: 'COPY', text: 'COPY x /x' }, tail: ['Error: building at STEP "COPY x /x": checking on sources under "/ctx": copier: stat: "/x": no such file or directory'] });
  assert.equal(err.code, 'dockerfile_build_failed');
  assert.equal(err.stepIndex, 2);
  assert.match(err.message, /no such file or directory/);
});
