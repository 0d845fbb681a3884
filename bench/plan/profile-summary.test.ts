import { test } from 'node:test';
import assert from 'node:assert/strict';
import { areaOf, summarizeProfile, type CpuProfile } from './profile-summary.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

test('areas name packages, server folders, Node internals and V8 pseudo-frames', () => {
  assert.equal(areaOf(frame('parse', 'file:///w/node_modules/dockerfile-ast/lib/parser.js')), 'dockerfile-ast');
  assert.equal(areaOf(frame('x', 'file:///w/node_modules/@fastify/swagger/index.js')), '@fastify/swagger');
  assert.equal(areaOf(frame('plan', 'file:///w/packages/server/src/dockerfile/a.ts')), 'server/dockerfile');
  assert.equal(areaOf(frame('load', 'file:///w/packages/server/src/config.ts')), 'server/config');
  assert.equal(areaOf(frame('emit', 'node:events')), 'node:internal');
  assert.equal(areaOf(frame('(garbage collector)')), '(garbage collector)');
});

test('self, inclusive and area time leave idle out and count a recursive function once per sample', () => {
  // root -> a -> a (recursion) -> b; root -> (idle)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 5] },
      { id: 2, callFrame: frame('a', 'file:///w/packages/server/src/api/a.ts', 9), children: [3] },
      { id: 3, callFrame: frame('a', 'file:///w/packages/server/src/api/a.ts', 9), children: [4] },
      { id: 4, callFrame: frame('b', 'file:///w/node_modules/fastify/b.js', 0) },
      { id: 5, callFrame: frame('(idle)') },
    ],
    samples: [4, 4, 3, 5],
    timeDeltas: [0, 1000, 1000, 1000],
    startTime: 0,
    endTime: 10_000,
  };
  const s = summarizeProfile(profile);
  assert.equal(s.idleMs, 0);
  assert.deepEqual(s.areas.map((a) => [a.name, a.pct]), [['fastify', 66.7], ['server/api', 33.3]]);
  assert.equal(s.self[0].name, 'b node_modules/fastify/b.js:1');
  const a = s.inclusive.find((r) => r.name === 'a packages/server/src/api/a.ts:10');
  assert.equal(a?.pct, 100);
});
