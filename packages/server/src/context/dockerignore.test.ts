import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DockerignoreMatcher, DockerignoreSyntaxError, parseDockerignore } from './dockerignore.ts';

const matcher = (text: string): DockerignoreMatcher => DockerignoreMatcher.fromText(text);

describe('parseDockerignore', () => {
  test('drops comments and blank lines, trims, cleans, strips a leading slash and keeps "!"', () => {
    const text = '\uFEFF# comment\n\n  ./foo/bar/  \n/abs\n! /neg/./x\n  # not a comment after spaces\r\nfoo/../baz\n';
    assert.deepEqual(parseDockerignore(text).map((p) => p.pattern), ['foo/bar', 'abs', '!neg/x', '# not a comment after spaces', 'baz']);
    assert.deepEqual(parseDockerignore(text).map((p) => p.line), [3, 4, 5, 6, 7]);
  });
});

describe("Docker's documented .dockerignore examples", () => {
  test('*/temp*, */*/temp*, temp?', () => {
    const m = matcher('# comment\n*/temp*\n*/*/temp*\ntemp?\n');
    assert.equal(m.excludes('somedir/temporary.txt'), true);
    assert.equal(m.excludes('somedir/temp'), true);
    assert.equal(m.excludes('somedir/temp/inside.txt'), true, 'everything below an excluded directory');
    assert.equal(m.excludes('somedir/subdir/temporary.txt'), true);
    assert.equal(m.excludes('tempa'), true);
    assert.equal(m.excludes('tempb'), true);
    assert.equal(m.excludes('temporary.txt'), false, 'temp* applies one level down only');
    assert.equal(m.excludes('tempab'), false);
    assert.equal(m.excludes('a/b/c/temp.txt'), false);
  });

  test('**/*.go excludes .go files in every directory, the root included', () => {
    const m = matcher('**/*.go');
    assert.equal(m.excludes('main.go'), true);
    assert.equal(m.excludes('cmd/tool/main.go'), true);
    assert.equal(m.excludes('main.gox'), false);
  });

  test('*.md with !README.md keeps README.md only', () => {
    const m = matcher('*.md\n!README.md');
    assert.equal(m.excludes('CHANGES.md'), true);
    assert.equal(m.excludes('README.md'), false);
    assert.equal(m.excludes('docs/x.md'), false, '*.md applies at the root only');
  });

  test('order matters: *.md, !README*.md, README-secret.md', () => {
    const m = matcher('*.md\n!README*.md\nREADME-secret.md');
    assert.equal(m.excludes('README.md'), false);
    assert.equal(m.excludes('README-public.md'), false);
    assert.equal(m.excludes('README-secret.md'), true);
    assert.equal(m.excludes('other.md'), true);
  });

  test('order matters: *.md, README-secret.md, !README*.md keeps every README', () => {
    const m = matcher('*.md\nREADME-secret.md\n!README*.md');
    assert.equal(m.excludes('README-secret.md'), false);
    assert.equal(m.excludes('other.md'), true);
  });

  test('a directory pattern excludes everything below it unless an exception re-includes it', () => {
    const m = matcher('node_modules\n!node_modules/keep/**\n');
    assert.equal(m.excludes('node_modules'), true);
    assert.equal(m.excludes('node_modules/a/index.js'), true);
    assert.equal(m.excludes('node_modules/keep/index.js'), false);
    assert.equal(m.excludes('src/node_modules/x'), false, 'a plain name matches at the root only');
  });

  test('leading / and ./ are the same as none; the .dockerignore itself can be excluded', () => {
    const m = matcher('/foo/bar\n./baz\n.dockerignore\nDockerfile');
    assert.equal(m.excludes('foo/bar'), true);
    assert.equal(m.excludes('baz/x'), true);
    assert.equal(m.excludes('.dockerignore'), true);
    assert.equal(m.excludes('Dockerfile'), true);
    assert.equal(m.excludes('foo/barx'), false);
  });

  test('an empty .dockerignore or one with comments only excludes nothing', () => {
    assert.equal(matcher('').empty, true);
    assert.equal(matcher('# only\n\n   \n').excludes('anything'), false);
  });
});

describe('moby patternmatcher cases (MatchesOrParentMatches)', () => {
  const cases: [string, string, boolean][] = [
    ['**', 'file', true], ['**/', 'file', true], ['**', 'dir/file', true], ['**/', 'dir/file', true],
    ['**/**', 'dir/file', true], ['dir/**', 'dir/file', true], ['dir/**', 'dir/dir2/file', true],
    ['**/dir', 'dir', true], ['**/dir', 'dir/file', true], ['**/dir2/*', 'dir/dir2/file', true],
    ['**/dir2/**', 'dir/dir2/dir3/file', true], ['**file', 'file', true], ['**file', 'dir/file', true],
    ['**/file', 'dir/file', true], ['**file', 'dir/dir/file', true], ['**/file', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file', true], ['**/file*', 'dir/dir/file.txt', true], ['**/file*txt', 'dir/dir/file.txt', true],
    ['**/file*.txt', 'dir/dir/file.txt', true], ['**/file*.txt*', 'dir/dir/file.txt', true],
    ['**/**/*.txt', 'dir/dir/file.txt', true], ['**/**/*.txt2', 'dir/dir/file.txt', false],
    ['**/*.txt', 'file.txt', true], ['**/**/*.txt', 'file.txt', true], ['a**/*.txt', 'a/file.txt', true],
    ['a**/*.txt', 'a/dir/file.txt', true], ['a**/*.txt', 'a/dir/dir/file.txt', true],
    ['a/*.txt', 'a/dir/file.txt', false], ['a/*.txt', 'a/file.txt', true], ['a/*.txt**', 'a/file.txt', true],
    ['a[b-d]e', 'ae', false], ['a[b-d]e', 'ace', true], ['a[b-d]e', 'aae', false], ['a[^b-d]e', 'aze', true],
    ['.*', '.foo', true], ['.*', 'foo', false], ['abc.def', 'abcdef', false], ['abc.def', 'abc.def', true],
    ['abc.def', 'abcZdef', false], ['abc?def', 'abcZdef', true], ['abc?def', 'abcdef', false],
    ['a\\\\', 'a\\', true], ['**/foo/bar', 'foo/bar', true], ['**/foo/bar', 'dir/foo/bar', true],
    ['**/foo/bar', 'dir/dir2/foo/bar', true], ['abc/**', 'abc', false], ['abc/**', 'abc/def', true],
    ['abc/**', 'abc/def/ghi', true], ['**/.foo', '.foo', true], ['**/.foo', 'bar.foo', false],
    ['a(b)c/def', 'a(b)c/def', true], ['a(b)c/def', 'a(b)c/xyz', false], ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
    ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ];
  for (const [pattern, path, want] of cases) {
    test(`${JSON.stringify(pattern)} vs ${JSON.stringify(path)} → ${want}`, () => {
      assert.equal(new DockerignoreMatcher([pattern]).excludes(path), want);
    });
  }

  test('exceptions: the last matching pattern wins, and an exception can re-include below an excluded parent', () => {
    const m = new DockerignoreMatcher(['docs', '!docs/README.md']);
    assert.equal(m.excludes('docs/README.md'), false);
    assert.equal(m.excludes('docs/other.md'), true);
    const again = new DockerignoreMatcher(['!docs/README.md', 'docs']);
    assert.equal(again.excludes('docs/README.md'), true);
  });

  test('flags from the parent give the same answer as matching from scratch', () => {
    const m = new DockerignoreMatcher(['a/*', '!a/b/keep', '**/*.log']);
    for (const path of ['a/b/keep', 'a/b/x', 'a/b/x.log', 'c/d.log', 'c/d']) {
      const parts = path.split('/');
      let flags: boolean[] | undefined;
      for (let i = 1; i <= parts.length; i++) flags = m.flags(parts.slice(0, i).join('/'), flags ?? m.patterns.map(() => false));
      assert.equal(m.excludedBy(flags!), m.excludes(path), path);
    }
  });

  test('malformed patterns are refused with their line', () => {
    assert.throws(() => matcher('ok\n!\n'), (err: unknown) => err instanceof DockerignoreSyntaxError && err.line === 2);
    assert.throws(() => matcher('a[\n'), (err: unknown) => err instanceof DockerignoreSyntaxError && err.line === 1);
    assert.throws(() => matcher('[x-]'), DockerignoreSyntaxError);
  });
});
