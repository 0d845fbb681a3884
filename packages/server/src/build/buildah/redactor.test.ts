import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor } from './redactor.ts';

test('every occurrence of a secret is masked, the longer of two overlapping secrets whole', () => {
  const r = new Redactor(['hunter2', 'hunter2-and-more', '']);
  assert.equal(r.redact('a hunter2 b hunter2-and-more c'), 'a *** b *** c');
  assert.equal(r.redact('nothing secret here'), 'nothing secret here');
});

test('a multi-line secret is masked whole and line by line (output arrives in lines)', () => {
  const r = new Redactor(['-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----\n']);
  assert.equal(r.redact('AAAABBBBCCCC'), '***');
  assert.equal(r.redact('key: -----BEGIN KEY-----'), 'key: ***');
});
