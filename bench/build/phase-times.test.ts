import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median } from '../import/report.ts';
import { formatPhases, medianPhases, phaseDurations } from './phase-times.ts';

const at = (ms: number, phase?: string) => ({ timestamp: new Date(Date.UTC(2026, 0, 1) + ms).toISOString(), ...(phase ? { phase } : {}) });

test('each interval counts for the phase of the entry that opens it, and the parts add up to first → last', () => {
  const phases = phaseDurations([at(0), at(5, 'cache'), at(20, 'step'), at(1020, 'step'), at(1100, 'finalize'), at(1400, 'finalize')]);
  assert.deepEqual(phases, { start: 5, cache: 15, step: 1080, finalize: 300 });
  assert.equal(Object.values(phases).reduce((a, b) => a + b, 0), 1400);
  assert.deepEqual(Object.keys(phases), ['start', 'cache', 'step', 'finalize'], 'in the order the phases were entered');
});

test('a phase entered twice adds up; one entry, or none, takes no time', () => {
  assert.deepEqual(phaseDurations([at(0, 'step'), at(10, 'vm_create'), at(40, 'step'), at(100, 'finalize')]), { step: 70, vm_create: 30 });
  assert.deepEqual(phaseDurations([at(0, 'cache')]), {});
  assert.deepEqual(phaseDurations([]), {});
});

test('medianPhases takes each phase\'s median, counting a missing phase as 0 ms', () => {
  const m = medianPhases([{ step: 100, finalize: 10 }, { step: 300 }, { step: 200, finalize: 30, vm_create: 5 }], median);
  assert.deepEqual(m, { step: 200, finalize: 10, vm_create: 0 });
});

test('formatPhases lists the phases that took at least the minimum, rounded', () => {
  assert.equal(formatPhases({ cache: 0.4, step: 1234.6, finalize: 56 }), 'step 1,235 ms, finalize 56 ms');
  assert.equal(formatPhases({ step: 10, cache: 2 }, 5), 'step 10 ms');
});
