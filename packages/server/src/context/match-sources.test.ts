import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ContextFile } from '../store/store.ts';
import { findMissingSources } from './match-sources.ts';

const f = (path: string): ContextFile => ({ path, type: 'file', mode: 0o644, size: 1, sha256: 'a'.repeat(64) });
const d = (path: string): ContextFile => ({ path, type: 'dir', mode: 0o755, size: 0 });
const l = (path: string, target: string): ContextFile => ({ path, type: 'symlink', mode: 0o777, size: 0, target });

const FILES: ContextFile[] = [
  f('Dockerfile'), d('app'), f('app/main.py'), d('app/lib'), f('app/lib/util.py'), f('requirements.txt'),
  f('config/settings.json'), l('current', 'app'), l('ver', 'app/lib/util.py'), f('[x].txt'),
];

function missing(...sources: string[]): string[] {
  const refs = sources.map((source, i) => ({ line: i + 1, instruction: 'COPY' as const, source }));
  return findMissingSources(FILES, refs).map((p) => refs[(p.line as number) - 1].source);
}

describe('findMissingSources', () => {
  test('finds files, directories and the root, after normalising ./, trailing / and a leading /', () => {
    assert.deepEqual(missing('Dockerfile', './app/', 'app/lib/util.py', '.', './', '/requirements.txt', 'config', 'app//main.py'), []);
  });

  test('follows symlinked directories inside the context', () => {
    assert.deepEqual(missing('current/main.py', 'current/lib', 'ver', 'current/nothing'), ['current/nothing']);
  });

  test('wildcards match per path segment with Go filepath.Match rules', () => {
    assert.deepEqual(missing('*.txt', 'app/*.py', 'app/*/util.py', '*/lib', 'app/lib/?til.py', 'config/[rs]*.json', '\\[x\\].txt'), []);
    assert.deepEqual(missing('*.md', 'app/*.go', '*/util.py', 'config/[^s]*.json'), ['*.md', 'app/*.go', '*/util.py', 'config/[^s]*.json']);
    assert.deepEqual(missing('config/[!s]*.json'), [], 'in Go patterns ! inside [] is a plain character');
  });

  test('each missing source is a context_source_missing problem with its line', () => {
    const problems = findMissingSources(FILES, [
      { line: 3, instruction: 'COPY', source: 'missing.txt' },
      { line: 7, instruction: 'ADD', source: 'gone/' },
    ]);
    assert.equal(problems.length, 2);
    assert.deepEqual(problems.map((p) => [p.code, p.phase, p.line]), [['context_source_missing', 'context', 3], ['context_source_missing', 'context', 7]]);
    assert.match(problems[0].message, /COPY source "missing.txt" \(line 3\) is missing from the build context or excluded by \.dockerignore/);
  });

  test('sources that climb out of the context with .. are refused, saying so', () => {
    const problems = findMissingSources(FILES, [{ line: 2, instruction: 'COPY', source: '../secret' }, { line: 4, instruction: 'COPY', source: 'app/../../x' }]);
    assert.equal(problems.length, 2);
    assert.ok(problems.every((p) => p.code === 'context_source_missing' && /leaves the build context/.test(p.message)));
    assert.deepEqual(missing('app/../Dockerfile'), []);
  });

  test('an invalid pattern matches nothing and says why; remote ADD sources are not checked', () => {
    const problems = findMissingSources(FILES, [
      { line: 1, instruction: 'COPY', source: 'app/[' },
      { line: 2, instruction: 'ADD', source: 'https://example.com/file.tgz' },
      { line: 3, instruction: 'ADD', source: 'git@github.com:org/repo.git' },
    ]);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /not a valid wildcard pattern/);
  });

  test('an empty context has only the root', () => {
    assert.equal(findMissingSources([], [{ line: 1, instruction: 'COPY', source: '.' }]).length, 0);
    assert.equal(findMissingSources([], [{ line: 1, instruction: 'COPY', source: 'a' }]).length, 1);
  });
});
