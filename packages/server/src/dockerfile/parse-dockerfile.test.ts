import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from './parse-dockerfile.ts';

describe('parseDockerfile', () => {
  test('continuations skip comment and blank lines; lines count from the file start', () => {
    const text = '# syntax=docker/dockerfile:1\n# a comment\nFROM alpine\nRUN echo a \\\n# inside\n\n   \n  && echo b\nEXPOSE 80\n';
    const parsed = parseDockerfile(text);
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.instructions.map((i) => [i.keyword, i.line, i.args]), [
      ['FROM', 3, 'alpine'],
      ['RUN', 4, 'echo a   && echo b'],
      ['EXPOSE', 9, '80'],
    ]);
  });
  test('the escape directive switches the continuation character', () => {
    const parsed = parseDockerfile('# escape=`\nFROM windows\nRUN dir C:\\ ; `\n    echo done\nWORKDIR C:\\app\n');
    assert.equal(parsed.escape, '`');
    assert.deepEqual(parsed.instructions.map((i) => [i.keyword, i.line, i.args]), [
      ['FROM', 2, 'windows'],
      ['RUN', 3, 'dir C:\\ ;     echo done'],
      ['WORKDIR', 5, 'C:\\app'],
    ]);
  });
  test('an invalid escape directive is an error on its line', () => {
    const parsed = parseDockerfile('# escape=x\nFROM a\n');
    assert.equal(parsed.errors[0].code, 'dockerfile_parse_error');
    assert.equal(parsed.errors[0].line, 1);
  });
  test('heredocs: bodies keep # lines, <<- strips tabs, quoted names are not expanded, several per line', () => {
    const text = 'FROM a\nRUN <<EOF cat >/x && <<-\'EOT\' cat\necho hi\n# kept\nEOF\n\tinner\n\tEOT\nCOPY <<EOF /path\nEOF\nRUN echo after\n';
    const parsed = parseDockerfile(text);
    assert.deepEqual(parsed.errors, []);
    const run = parsed.instructions[1];
    assert.deepEqual(run.heredocs, [
      { name: 'EOF', chomp: false, expand: true, content: 'echo hi\n# kept\n' },
      { name: 'EOT', chomp: true, expand: false, content: 'inner\n' },
    ]);
    const copy = parsed.instructions[2];
    assert.equal(copy.line, 8);
    assert.deepEqual(copy.heredocs, [{ name: 'EOF', chomp: false, expand: true, content: '' }]);
    assert.deepEqual([parsed.instructions[3].keyword, parsed.instructions[3].line], ['RUN', 10]);
  });
  test('an unterminated heredoc is an error naming the instruction line', () => {
    const parsed = parseDockerfile('FROM a\n\nRUN <<EOF\necho\n');
    assert.equal(parsed.errors.length, 1);
    assert.equal(parsed.errors[0].line, 3);
  });
  test('CRLF line endings and a BOM keep line numbers', () => {
    const parsed = parseDockerfile('\ufeffFROM a\r\nRUN x \\\r\n  y\r\nUSER u\r\n');
    assert.deepEqual(parsed.instructions.map((i) => [i.keyword, i.line, i.args]), [['FROM', 1, 'a'], ['RUN', 2, 'x   y'], ['USER', 4, 'u']]);
  });
});
