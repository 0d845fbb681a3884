import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { extractFlags, parseJsonArray, splitWordsRaw } from './instruction-words.ts';
import { parseNameValues } from './name-values.ts';

describe('instruction words', () => {
  test('flags are read until the first non-flag word', () => {
    const { flags, rest } = extractFlags('--from=build --chown=a:b --link src/ /dst');
    assert.deepEqual(flags, [{ name: 'from', value: 'build' }, { name: 'chown', value: 'a:b' }, { name: 'link', value: null }]);
    assert.equal(rest, 'src/ /dst');
    assert.deepEqual(extractFlags('echo --not-a-flag'), { flags: [], rest: 'echo --not-a-flag' });
  });
  test('JSON form needs an array of strings', () => {
    assert.deepEqual(parseJsonArray('["a", "b c"]'), ['a', 'b c']);
    assert.equal(parseJsonArray('["a", 1]'), null);
    assert.equal(parseJsonArray('[a]'), null);
    assert.equal(parseJsonArray('echo [x]'), null);
  });
  test('raw words keep quotes and escapes', () => {
    assert.deepEqual(splitWordsRaw('A="x y" B=\\"z', '\\'), ['A="x y"', 'B=\\"z']);
  });
  test('ENV pairs: new form, legacy form and errors', () => {
    assert.deepEqual(parseNameValues('ENV', 'A=1 B="two words"', '\\'), { pairs: [['A', '1'], ['B', '"two words"']] });
    assert.deepEqual(parseNameValues('ENV', 'KEY value with  spaces', '\\'), { pairs: [['KEY', 'value with  spaces']] });
    assert.ok('error' in parseNameValues('ENV', 'ONLYKEY', '\\'));
    assert.ok('error' in parseNameValues('ENV', 'A=1 B', '\\'));
  });
});
