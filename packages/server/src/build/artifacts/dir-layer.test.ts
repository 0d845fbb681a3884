import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import { applyLayer } from '../../oci/layers/apply-layer.ts';
import { overlayLayers } from './artifact-fixtures.ts';
import { writeDirLayer } from './dir-layer.ts';

/** Names and pax records of a tar. */
async function listTar(bytes: Buffer): Promise<{ name: string; type: string; pax: unknown }[]> {
  const out: { name: string; type: string; pax: unknown }[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => { extract.on('finish', resolve); extract.on('error', reject); });
  extract.on('entry', (h, stream, next) => { out.push({ name: h.name, type: h.type, pax: h.pax }); stream.on('end', () => next()); stream.resume(); });
  extract.end(bytes);
  await done;
  return out;
}

/** A tree as `type path` lines (and file contents), sorted. */
function listing(root: string): string {
  return execFileSync('sh', ['-c', 'find . -mindepth 1 | sort | while read p; do if [ -f "$p" ] && [ ! -L "$p" ]; then echo "f $p $(cat "$p")"; else echo "$(stat -c %F "$p") $p"; fi; done'], { cwd: root, encoding: 'utf8' });
}

test('an overlay upper directory becomes an OCI layer: whiteouts and opaque directories converted, overlay xattrs dropped', async () => {
  const layers = await overlayLayers(
    'mkdir -p d/sub keep; echo x > d/x; echo y > d/sub/y; echo f > f; echo g > g; echo k > keep/k',
    'rm -rf d; mkdir d; echo new > d/new; rm f; echo changed > keep/k; ln g g2; ln -s keep/k link',
  );
  try {
    const images = new OciLayoutStore(layers.dir);
    await images.init();
    const layer = await writeDirLayer(layers.upper, images);
    assert.ok(layer);
    const bytes = gunzipSync(await readFile(images.blobPath(layer.descriptor.digest)));
    assert.equal(layer.descriptor.size, (await readFile(images.blobPath(layer.descriptor.digest))).length);
    assert.match(layer.diffId, /^sha256:[0-9a-f]{64}$/);
    const entries = await listTar(bytes);
    const names = entries.map((e) => e.name);
    assert.ok(names.includes('d/.wh..wh..opq'), names.join(' '));
    assert.ok(names.includes('.wh.f'), names.join(' '));
    assert.ok(names.includes('d/new'));
    assert.ok(!names.some((n) => n === 'f' || n.startsWith('./')), 'no character-device whiteouts, relative names');
    assert.ok(!entries.some((e) => e.type === 'character-device'));
    assert.ok(!bytes.includes(Buffer.from('trusted.overlay')), 'overlay xattrs stay out of the layer');
    assert.equal(layer.entries, entries.length);

    // Applied over the lower tree by Kiln's own layer applier, it gives what the overlay showed.
    const rootfs = path.join(layers.dir, 'applied');
    await mkdir(rootfs);
    execFileSync('cp', ['-a', `${layers.lower}/.`, rootfs]);
    await applyLayer(createReadStream(images.blobPath(layer.descriptor.digest)), {
      rootfs, compression: 'gzip', limits: { maxLayerBytes: 1 << 30, maxImageBytes: 1 << 30 }, budget: { remainingImageBytes: 1 << 30 },
    });
    assert.equal(listing(rootfs), [
      'directory ./d', 'f ./d/new new', 'f ./g g', 'f ./g2 g', 'directory ./keep', 'f ./keep/k changed', 'symbolic link ./link',
    ].join('\n') + '\n');
  } finally {
    await layers.cleanup();
  }
});

test('an empty upper directory makes no layer', async () => {
  const layers = await overlayLayers('echo a > a', 'true');
  try {
    const images = new OciLayoutStore(layers.dir);
    await images.init();
    assert.equal(await writeDirLayer(layers.upper, images), undefined);
  } finally {
    await layers.cleanup();
  }
});
