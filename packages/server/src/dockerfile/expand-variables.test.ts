import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { processWord, processWords } from './expand-variables.ts';

const vars: Record<string, string> = { A: 'alpha', EMPTY: '', PATH: '/bin', SP: 'a b' };
const lookup = (name: string): string | undefined => vars[name];
const word = (w: string, escape = '\\'): string => processWord(w, escape, lookup).value;

describe('processWord', () => {
  test('plain and braced references', () => {
    assert.equal(word('$A'), 'alpha');
    assert.equal(word('${A}'), 'alpha');
    assert.equal(word('x${A}y'), 'xalphay');
    assert.equal(word('$A-$A'), 'alpha-alpha');
    assert.equal(word('$UNSET'), '');
    assert.equal(word('/usr/bin:$PATH'), '/usr/bin:/bin');
  });
  test('default and alternative forms distinguish unset from empty', () => {
    assert.equal(word('${UNSET:-d}'), 'd');
    assert.equal(word('${EMPTY:-d}'), 'd');
    assert.equal(word('${EMPTY-d}'), '');
    assert.equal(word('${UNSET-d}'), 'd');
    assert.equal(word('${A:-d}'), 'alpha');
    assert.equal(word('${A:+x}'), 'x');
    assert.equal(word('${EMPTY:+x}'), '');
    assert.equal(word('${EMPTY+x}'), 'x');
    assert.equal(word('${UNSET+x}'), '');
    assert.equal(word('${UNSET:-$A/sub}'), 'alpha/sub');
    assert.equal(word('${BUILDPLATFORM:-linux/amd64}'), 'linux/amd64');
  });
  test('quotes are removed; single quotes stop expansion', () => {
    assert.equal(word('"$A b"'), 'alpha b');
    assert.equal(word("'$A b'"), '$A b');
    assert.equal(word('debian:bookworm-"${A}"'), 'debian:bookworm-alpha');
    assert.equal(word('"a\\"b"'), 'a"b');
  });
  test('escapes: \\$ is literal, the escape character is configurable', () => {
    assert.equal(word('\\$A'), '$A');
    assert.equal(word('C:\\\\go'), 'C:\\go');
    assert.equal(word('C:\\go', '`'), 'C:\\go');
    assert.equal(word('`$A', '`'), '$A');
  });
  test('a lone dollar or odd braces are kept literally', () => {
    assert.equal(word('cost $'), 'cost $');
    assert.equal(word('$-x'), 'x');
    assert.equal(word('${'), '${');
    assert.equal(word('${}'), '${}');
  });
  test('reports whether a variable was used', () => {
    assert.equal(processWord('alpine', '\\', lookup).usedVariable, false);
    assert.equal(processWord('$UNSET', '\\', lookup).usedVariable, true);
    assert.equal(processWord("'$A'", '\\', lookup).usedVariable, false);
  });
});

describe('processWords', () => {
  test('splits on unquoted whitespace after expansion of quoted parts', () => {
    assert.deepEqual(processWords('a "b c" $A', '\\', lookup), ['a', 'b c', 'alpha']);
    assert.deepEqual(processWords("curl -f 'http://x/'", '\\', lookup), ['curl', '-f', 'http://x/']);
    assert.deepEqual(processWords('""', '\\', lookup), ['']);
  });
});

describe('nesting', () => {
  test('deeply nested defaults do not overflow; text past the limit stays literal', () => {
    const deep = '${U:-'.repeat(100000) + 'x';
    const out = processWord(deep, '\\', lookup).value;
    assert.ok(out.startsWith('${U:-'));
    assert.equal(word('${U:-${V:-${W:-deep}}}'), 'deep');
  });
});
