import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderErrorDocs } from './error-docs.ts';
import { ERROR_CODES } from './codes.ts';

test('docs/error-codes.md lists the catalogue as it is (regenerate with npm run docs:errors)', () => {
  const doc = readFileSync(path.resolve(import.meta.dirname, '../../../../docs/error-codes.md'), 'utf8');
  assert.equal(doc, renderErrorDocs());
});

test('every code is snake_case with a 4xx/5xx status and a sentence', () => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^[a-z]+(_[a-z]+)*$/);
    assert.ok(spec.status >= 400 && spec.status < 600);
    assert.match(spec.description, /\.$/);
  }
});
