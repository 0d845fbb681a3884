import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountsBelow } from './mounts.ts';

const line = (id: number, mountPoint: string) => `${id} 1 0:${id} / ${mountPoint} rw,relatime shared:1 - overlay overlay rw`;

test('mountsBelow finds the directory and what is below it, deepest first, and nothing beside it', () => {
  const info = [
    line(1, '/'), line(2, '/tmp/bench'), line(3, '/tmp/bench/a/merged'), line(4, '/tmp/bench/a'),
    line(5, '/tmp/bench-other'), line(6, '/tmp/benchmark/x'), '',
  ].join('\n');
  assert.deepEqual(mountsBelow(info, '/tmp/bench'), ['/tmp/bench/a/merged', '/tmp/bench/a', '/tmp/bench']);
});

test('mountsBelow decodes the octal escapes mountinfo writes for spaces and tabs', () => {
  assert.deepEqual(mountsBelow(line(7, '/tmp/bench/with\\040space'), '/tmp/bench'), ['/tmp/bench/with space']);
});
