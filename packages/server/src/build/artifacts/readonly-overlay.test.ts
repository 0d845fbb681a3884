import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMountPoint, mountReadOnlyOverlay, overlayOptions, unmountAndRemove, withMergedTree } from './readonly-overlay.ts';

test('overlay options list the layers top first, relative to their common parent when that is shorter', () => {
  assert.deepEqual(overlayOptions(['/data/bases/abc', '/data/layers/k1', '/data/layers/k2']), { options: 'ro,lowerdir=layers/k2:layers/k1:bases/abc', cwd: '/data' });
  assert.deepEqual(overlayOptions(['/a', '/b']), { options: 'ro,lowerdir=b:a', cwd: '/' });
});

test('one layer is used as it is; several are merged read-only, and a mount left from an interrupted run is replaced', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-ro-overlay-'));
  try {
    const [lower, upper, mnt] = ['lower', 'upper', 'mnt'].map((d) => path.join(dir, d));
    await mkdir(lower);
    await mkdir(upper);
    await writeFile(path.join(lower, 'a'), 'lower\n');
    await writeFile(path.join(upper, 'a'), 'upper\n');
    assert.equal(await withMergedTree([lower], mnt, async (root) => root), lower);
    assert.equal(existsSync(mnt), false, 'nothing is mounted for one layer');

    await mountReadOnlyOverlay([lower, upper], mnt);
    const content = await withMergedTree([lower, upper], mnt, async (root) => {
      await assert.rejects(writeFile(path.join(root, 'b'), 'x'), { code: 'EROFS' });
      return readFile(path.join(root, 'a'), 'utf8');
    });
    assert.equal(content, 'upper\n');
    assert.equal(await isMountPoint(mnt), false);
    assert.equal(existsSync(mnt), false, 'the mount point is removed');
    await unmountAndRemove(mnt);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
