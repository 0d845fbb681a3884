import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ContextFile } from '../store/store.ts';
import { canonicalLine, contextDigest } from './context-digest.ts';

const FILES: ContextFile[] = [
  { path: 'b.txt', type: 'file', mode: 0o644, size: 3, sha256: 'b'.repeat(64) },
  { path: 'a', type: 'dir', mode: 0o755, size: 0 },
  { path: 'a/link', type: 'symlink', mode: 0o777, size: 0, target: '../b.txt' },
];

describe('contextDigest', () => {
  test('is a sha256: digest that ignores list order', () => {
    const d = contextDigest(FILES);
    assert.match(d, /^sha256:[0-9a-f]{64}$/);
    assert.equal(contextDigest([...FILES].reverse()), d);
  });

  test('ignores mode bits above 0o7777 (file type bits) but not permissions', () => {
    const d = contextDigest(FILES);
    assert.equal(contextDigest(FILES.map((f) => (f.path === 'b.txt' ? { ...f, mode: 0o100644 } : f))), d);
    assert.notEqual(contextDigest(FILES.map((f) => (f.path === 'b.txt' ? { ...f, mode: 0o600 } : f))), d);
  });

  test('changes with a path, a type, a size, a content digest or a link target', () => {
    const d = contextDigest(FILES);
    const variants: ContextFile[][] = [
      FILES.map((f) => (f.path === 'b.txt' ? { ...f, path: 'c.txt' } : f)),
      FILES.map((f) => (f.path === 'b.txt' ? { ...f, size: 4 } : f)),
      FILES.map((f) => (f.path === 'b.txt' ? { ...f, sha256: 'c'.repeat(64) } : f)),
      FILES.map((f) => (f.path === 'a/link' ? { ...f, target: '../c.txt' } : f)),
      FILES.map((f) => (f.path === 'a' ? { ...f, type: 'file' as const, sha256: 'd'.repeat(64) } : f)),
      FILES.slice(1),
    ];
    const digests = new Set(variants.map(contextDigest));
    assert.equal(digests.size, variants.length);
    assert.equal(digests.has(d), false);
  });

  test('paths with separators or newlines cannot collide with other lists', () => {
    const one: ContextFile[] = [{ path: 'a\n["x","file"', type: 'dir', mode: 0o755, size: 0 }];
    const two: ContextFile[] = [{ path: 'a', type: 'dir', mode: 0o755, size: 0 }, { path: 'x', type: 'dir', mode: 0o755, size: 0 }];
    assert.notEqual(contextDigest(one), contextDigest(two));
    assert.equal(canonicalLine(one[0]).split('\n').length, 2, 'one line per file, newline escaped');
  });

  test('the empty context has a fixed digest', () => {
    assert.equal(contextDigest([]), contextDigest([]));
    assert.notEqual(contextDigest([]), contextDigest(FILES));
  });
});
