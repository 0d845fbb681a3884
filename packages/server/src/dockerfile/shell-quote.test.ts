import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dockerfileDoubleQuoted, dockerfileJsonArray, escapeDockerfileValue, quoteShellArg, quoteShellArgs } from './shell-quote.ts';
import { decodeDockerPairs, decodeDockerWord, splitShellWords } from './steps-test-checker.ts';

const NASTY = [
  '', ' ', 'plain', 'a b', "it's", "''", '"', '$(id)', '`id`', '${HOME}', '$HOME', 'x; rm -rf /', 'a\nb', 'a\tb',
  '\\', 'x\\', '*', '?', '[a]', '~', '~root', '-rf', '--index-url=http://evil', '!', '#c', 'a&&b', 'a|b', '>out', '<<EOF',
  'ünïcødé ☃ 😀', "'\"'\"'", '{a,b}', '=x', '%s',
];

describe('quoteShellArg', () => {
  test('leaves plainly safe words alone and single-quotes everything else', () => {
    assert.equal(quoteShellArg('curl'), 'curl');
    assert.equal(quoteShellArg('/usr/local/bin/x-1.2_3+4@5:6,7=8%'), '/usr/local/bin/x-1.2_3+4@5:6,7=8%');
    assert.equal(quoteShellArg(''), "''");
    assert.equal(quoteShellArg('a b'), "'a b'");
    assert.equal(quoteShellArg("it's"), "'it'\\''s'");
    assert.equal(quoteShellArg('~'), "'~'");
    assert.equal(quoteShellArgs(['a', 'b c', '$x']), "a 'b c' '$x'");
  });

  test('every value splits back to itself as exactly one unexpanded word', () => {
    for (const s of NASTY) {
      const tokens = splitShellWords(`cmd ${quoteShellArg(s)}`);
      assert.equal(tokens.length, 2, JSON.stringify(s));
      assert.deepEqual(tokens[1], { value: s, operator: false, expands: false }, JSON.stringify(s));
    }
  });

  test('a real /bin/sh receives every value unchanged', () => {
    const script = `printf '%s\\0' ${quoteShellArgs(NASTY)}`;
    const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    assert.deepEqual(out.split('\0').slice(0, -1), NASTY);
  });
});

describe('Dockerfile quoting', () => {
  test('escapeDockerfileValue escapes backslash, dollar and both quotes', () => {
    assert.equal(escapeDockerfileValue('a$b"c\'d\\e f'), 'a\\$b\\"c\\\'d\\\\e f');
    for (const s of NASTY) assert.equal(decodeDockerWord(escapeDockerfileValue(s)), s);
  });

  test('dockerfileDoubleQuoted decodes back to the value', () => {
    assert.equal(dockerfileDoubleQuoted('say "$x" \\'), '"say \\"\\$x\\" \\\\"');
    for (const s of NASTY.filter((x) => !x.includes('\n'))) assert.deepEqual(decodeDockerPairs(`K=${dockerfileDoubleQuoted(s)}`), [['K', s]]);
  });

  test('dockerfileJsonArray stays on one line and parses back as JSON', () => {
    assert.equal(dockerfileJsonArray(['a b', 'c"d']), '["a b", "c\\"d"]');
    assert.equal(dockerfileJsonArray(['x\u2028y\u007f']), '["x\\u2028y\\u007f"]');
    assert.equal(dockerfileJsonArray(['a < b', 'cat <<<EOF']), '["a < b", "cat \\u003c\\u003c\\u003cEOF"]');
    const all = dockerfileJsonArray(NASTY);
    assert.ok(!/[\n\r\u2028\u2029]/.test(all));
    assert.deepEqual(JSON.parse(all), NASTY);
    assert.deepEqual((JSON.parse(dockerfileJsonArray(NASTY, { expand: true })) as string[]).map(decodeDockerWord), NASTY);
  });
});
