import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkAptPackage, checkArgvItem, checkCommand, checkEnvKey, checkGitBranch, checkGitUrl, checkHttpUrl, checkImageRef,
  checkNpmPackage, checkPath, checkPipRequirement, checkText, checkUser, climbsOut, formatMode, hasUrlCredentials,
  normalisePath, parseMode,
} from './steps-values.ts';

/** Asserts a check accepts every value in `good` and refuses every value in `bad`. */
function table(check: (s: string) => string | undefined, good: string[], bad: string[]): void {
  for (const g of good) assert.equal(check(g), undefined, `should accept ${JSON.stringify(g)}`);
  for (const b of bad) assert.equal(typeof check(b), 'string', `should refuse ${JSON.stringify(b)}`);
}

describe('value rules', () => {
  test('apt package names follow Debian rules with :arch and =version', () => {
    table(checkAptPackage,
      ['curl', 'g++', 'libc6', 'python3.11', 'libc6:amd64', 'curl=7.88.1-10+deb12u5', 'libssl3:arm64=3.0.11-1~deb12u2', 'x1=1:2.0'],
      ['', 'c', 'Curl', '-curl', '--allow-unauthenticated', 'curl;id', 'curl id', 'curl=$(id)', 'curl=', 'curl=v1', 'a/b', 'curl\n', 'a:', 'curl:AMD64']);
  });

  test('pip requirements are PEP 508 names, extras and version clauses without spaces', () => {
    table(checkPipRequirement,
      ['requests', 'requests[socks]>=2.31,<3', 'Django==5.0.*', 'zope.interface', 'a_b-c', 'x~=1.4', 'pkg!=1.0', 'pkg===1.0+local', 'n[a,b]'],
      ['', '-r', '--index-url=http://evil', '-e.', 'requests>=2 ; python_version<"3.8"', 'pkg @ https://x/y.whl', 'a b', 'x;id',
        'x$(id)', 'x`id`', '.hidden', 'x>=', 'x[', 'x\tl']);
  });

  test('npm specs are names or scoped names with a version, range or tag', () => {
    table(checkNpmPackage,
      ['typescript', '@types/node', '@types/node@^24', 'left-pad@latest', 'x@1.2.3', 'x@>=1 <2', 'x@1 || 2', 'JSONStream', 'x@*'],
      ['', '-g', '--registry=http://evil', '.x', '_x', '@/x', 'x@', 'x@ 1', 'x@$(id)', 'x;id', 'x@git+ssh://h/r', 'a b', 'x@1\n', '@s/x/y', 'x@a;b']);
  });

  test('git URLs: https, http, ssh and scp-like only, no options or transport helpers', () => {
    table(checkGitUrl,
      ['https://github.com/org/repo.git', 'http://h:8080/r', 'ssh://git@h/r.git', 'ssh://h:2222/r', 'git@github.com:org/repo.git'],
      ['', '-u', '--upload-pack=id', 'ext::sh -c id', 'ext::id', 'file:///etc', 'git://h/r', 'ssh://-oProxyCommand=id/x', 'ssh://-x@h/r',
        'https://h/r x', 'https://h/\nr', 'git@h:-x', 'fd::17', 'h:path']);
  });

  test('branch names follow git check-ref-format and never start with "-"', () => {
    table(checkGitBranch, ['main', 'release/1.x', 'v1.2.3', 'feature/a-b_c', 'ü'],
      ['', '-b', '--upload-pack=x', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '/a', 'a/', 'a.', 'a.lock', 'a/.b', '@', 'a@{1}', 'a//b', 'a\u0001']);
  });

  test('paths: no control characters, backslashes or surrounding whitespace; normalised without changing meaning', () => {
    table(checkPath, ['/', 'a', '/a b/c', "it's", '$x', '-rf', '../x', 'ünï'],
      ['', 'a\nb', 'a\u0000', 'a\\b', ' a', 'a ', 'a\tb', 'x\u2028', 'x\r', '\ud800']);
    assert.equal(normalisePath('/a//b/./c/'), '/a/b/c/');
    assert.equal(normalisePath('./a/../b'), 'a/../b');
    assert.equal(normalisePath('.'), '.');
    assert.equal(normalisePath('./'), '.');
    assert.equal(normalisePath('//'), '/');
    assert.equal(normalisePath('-rf'), './-rf');
    assert.equal(normalisePath('./--x/y'), './--x/y');
    assert.ok(climbsOut('..') && climbsOut('../a') && !climbsOut('/../a') && !climbsOut('a/../..x'));
  });

  test('modes: octal strings 0 to 7777 or their numeric value', () => {
    assert.deepEqual(['0755', '755', '0', '7777', '04755'].map(parseMode), [0o755, 0o755, 0, 0o7777, 0o4755]);
    assert.deepEqual([493, 0, 4095].map(parseMode), [493, 0, 4095]);
    for (const bad of ['8', '0o755', '-1', '10000', '', ' 755', 4096, -1, 1.5, null, true]) assert.equal(parseMode(bad), undefined, String(bad));
    assert.equal(formatMode(0o755), '0755');
    assert.equal(formatMode(0o4755), '4755');
  });

  test('env keys, users, http URLs, image references', () => {
    table(checkEnvKey, ['A', '_x', 'PATH_2', 'a'], ['', '1A', 'A-B', 'A B', 'A=B', '$A', 'Ä']);
    table(checkUser, ['app', '1000', 'app:app', '1000:1000', 'app:1000', '_svc', 'www-data', 'a.b'],
      ['', 'root;id', 'a b', '-u', 'app:', ':app', 'a:b:c', '$USER', '99999999999', '4294967295', 'x'.repeat(33)]);
    table(checkHttpUrl, ['https://pypi.org/simple', 'http://10.0.0.1:3141/root/pypi/'],
      ['ftp://x', 'file:///x', 'https://', 'https://h/ x', 'not a url', 'javascript:alert(1)', 'https://h/\n']);
    assert.ok(hasUrlCredentials('https://u:p@h/simple') && !hasUrlCredentials('https://h/simple'));
    table(checkImageRef, ['debian:12', 'python:3.11-slim', 'ghcr.io/org/img:v1', 'localhost:5000/a/b', 'a@sha256:' + 'f'.repeat(64)],
      ['', 'Debian', 'debian 12', 'debian:12\nRUN id', '-x', '$IMG', 'a:b:c', 'a@sha256:xyz']);
  });

  test('text and commands', () => {
    table((s) => checkText(s), ['', 'a b', 'ünï 😀'], ['a\nb', 'a\rb', 'a\u0000', 'a\u0007', 'a\tb', '\udc00', 'x'.repeat(4097)]);
    assert.equal(checkText('a\tb', { allowTab: true }), undefined);
    table(checkCommand, ['echo hi', 'a\nb', 'a\r\nb', 'a\tb'], ['', '  \n ', 'a\u0000', 'a\u001b[31m', '\ud800']);
    table(checkArgvItem, ['', ' ', 'a\nb'], ['a\u0000', '\ud800']);
  });
});
