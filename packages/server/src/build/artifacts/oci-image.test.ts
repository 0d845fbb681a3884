import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import tar from 'tar-stream';
import { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { ImageConfig, ImageManifest } from '../../oci/oci-types.ts';
import { artifactFixture, buildFixture, templateFixture } from '../../store/store-fixtures.ts';
import { overlayLayers } from './artifact-fixtures.ts';
import { writeOciImage } from './oci-image.ts';
import { openRootfsTar } from './rootfs-tar.ts';
import { artifactScratch } from './artifact-paths.ts';
import { isMountPoint } from './readonly-overlay.ts';

const LIMITS = { maxLayerBytes: 1 << 30, maxImageBytes: 1 << 30 };

/** Names (and file contents) of a tar stream. */
async function tarEntries(bytes: Buffer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => { extract.on('finish', resolve); extract.on('error', reject); });
  extract.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c as Buffer));
    stream.on('end', () => { out.set(h.name.replace(/\/$/, ''), h.type === 'file' ? Buffer.concat(chunks).toString() : h.type); next(); });
  });
  extract.end(bytes);
  await done;
  return out;
}

test('a stacked rootfs becomes an OCI image with the template\'s config; its tree downloads through the overlay or, once the layers are gone, from the image', async () => {
  const layers = await overlayLayers(
    'mkdir -p etc d; echo base > etc/os; echo x > d/x; echo gone > gone',
    'rm gone; rm -rf d; mkdir d; echo new > d/new; echo app > etc/app',
  );
  try {
    const images = new OciLayoutStore(layers.dir);
    await images.init();
    const build = buildFixture(templateFixture('ten'), { plan: { build_plan: { env_assignments: [['GREETING', 'hi there'], ['PATH', '/usr/bin:/bin']] } } });

    // The lower tree alone first, as the base image of the stacked one.
    const base = await writeOciImage({ images, rootfs: { layers: [layers.lower] }, build: { ...build, id: `${build.id}-base` }, runtime_defaults: {}, oci_metadata: {} });
    assert.deepEqual([base.layersWritten, base.baseReused], [1, false]);

    const res = await writeOciImage({
      images, build, rootfs: { layers: [layers.lower, layers.upper], baseManifestDigest: base.manifest.digest },
      runtime_defaults: { default_user: 'app', default_workdir: '/srv', start_cmd: 'serve --port 8080' },
      oci_metadata: { labels: { team: 'kiln' }, exposed_ports: ['8080/tcp'], volumes: ['/data'], healthcheck: null },
    });
    assert.deepEqual([res.layersWritten, res.baseReused], [1, true]);
    const manifest = JSON.parse((await images.read(res.manifest.digest)).toString()) as ImageManifest;
    const baseManifest = JSON.parse((await images.read(base.manifest.digest)).toString()) as ImageManifest;
    assert.equal(manifest.layers.length, 2);
    assert.equal(manifest.layers[0].digest, baseManifest.layers[0].digest, 'the base image\'s layer is reused as it is');
    const config = JSON.parse((await images.read(manifest.config.digest)).toString()) as ImageConfig;
    assert.deepEqual(config.config?.Env, ['GREETING=hi there', 'PATH=/usr/bin:/bin']);
    assert.equal(config.config?.User, 'app');
    assert.equal(config.config?.WorkingDir, '/srv');
    assert.deepEqual(config.config?.Cmd, ['/bin/sh', '-c', 'serve --port 8080']);
    assert.deepEqual(config.config?.ExposedPorts, { '8080/tcp': {} });
    assert.deepEqual(config.config?.Labels, { team: 'kiln' });
    assert.equal(config.rootfs?.diff_ids.length, 2);
    assert.equal((await images.resolve(`kiln-build-${build.id}`))?.digest, res.manifest.digest);

    const merged = new Map([['d', 'directory'], ['d/new', 'new\n'], ['etc', 'directory'], ['etc/app', 'app\n'], ['etc/os', 'base\n']]);
    const artifact = artifactFixture(build, { oci_manifest_digest: res.manifest.digest, layers: [layers.lower, layers.upper] });
    const deps = { dataDir: layers.dir, images, limits: LIMITS };
    assert.deepEqual(await tarEntries(await buffer(await openRootfsTar(artifact, deps))), merged, 'through a read-only overlay of the layers');
    const gone = { ...artifact, layers: [path.join(layers.dir, 'removed-long-ago')] };
    assert.deepEqual(await tarEntries(await buffer(await openRootfsTar(gone, deps))), merged, 'unpacked from the OCI image');

    // Clean-up runs once each stream has closed; wait for it (bounded), then nothing may be left.
    const scratch = artifactScratch(layers.dir);
    for (let i = 0; i < 100 && (await readdir(scratch)).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    for (const name of await readdir(scratch)) assert.equal(await isMountPoint(path.join(scratch, name)), false, name);
    assert.deepEqual(await readdir(scratch), [], 'mounts and unpacked trees are removed once the stream closes');
    assert.ok((await readFile(path.join(layers.dir, 'oci', 'index.json'), 'utf8')).includes(`kiln-build-${build.id}`));
  } finally {
    await layers.cleanup();
  }
});
