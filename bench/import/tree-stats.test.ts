import { test } from 'node:test';
import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareTrees, treeStats } from './tree-stats.ts';

test('treeStats counts regular files, their bytes, directories and symlinks without following links', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'kiln-tree-stats-'));
  try {
    await mkdir(path.join(root, 'a/b'), { recursive: true });
    await writeFile(path.join(root, 'a/one'), 'hello');
    await writeFile(path.join(root, 'a/b/two'), 'world!!');
    await link(path.join(root, 'a/one'), path.join(root, 'hard'));
    await symlink('a', path.join(root, 'link-to-a'));
    const stats = await treeStats(root);
    assert.deepEqual(stats, { regularFiles: 3, regularBytes: 17, directories: 2, symlinks: 1, other: 0 });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('compareTrees names the counts that differ and nothing when files and bytes match', () => {
  const a = { regularFiles: 10, regularBytes: 100, directories: 2, symlinks: 0, other: 0 };
  assert.deepEqual(compareTrees(a, { ...a, directories: 3 }, ['kiln', 'umoci']), []);
  assert.deepEqual(compareTrees(a, { ...a, regularBytes: 99 }, ['kiln', 'umoci']), ['regularBytes: kiln has 100, umoci has 99']);
});
