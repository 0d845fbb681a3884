import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { hostileImage, arm64OnlyIndex, osVersionIndex } from '../fixtures/images/test-images.ts';
import { schema1Image } from '../fixtures/images/test-images.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';

let reg: RegistryFixture;
let kiln: KilnFixture;
const EXPECTED: Record<string, string> = {
  'fifo': 'special_file_rejected',
  'path-traversal': 'archive_path_escape',
  'hardlink-escape': 'archive_path_escape',
  'bomb': 'layer_too_large',
};

before(async () => {
  reg = await startRegistry();
  for (const kind of Object.keys(EXPECTED)) await pushImage(reg, `hostile/${kind}`, '1', await hostileImage(kind as Parameters<typeof hostileImage>[0]));
  await pushImage(reg, 'hostile/arm64-only', '1', await arm64OnlyIndex());
  await pushImage(reg, 'hostile/os-version', '1', await osVersionIndex());
  await pushImage(reg, 'hostile/schema1', '1', await schema1Image('hostile/schema1', '1'));
  kiln = await startKiln({ KILN_WORKER: 'embedded', KILN_INSECURE_REGISTRIES: reg.host, KILN_LAYER_MAX_BYTES: String(16 * 1024 * 1024) });
});
after(async () => {
  await kiln?.close();
  await reg?.stop();
});

async function buildOf(repo: string) {
  const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: repo.replace(/[^a-z0-9]+/g, '-'), base_image: `${reg.host}/${repo}:1` } });
  assert.equal(res.status, 202, res.text);
  return waitForBuild(kiln, res.body.build_id);
}

test('hostile layers fail their build with the right code and phase, naming the entry', async () => {
  for (const [kind, code] of Object.entries(EXPECTED)) {
    const b = await buildOf(`hostile/${kind}`);
    assert.equal(b.status, 'error', kind);
    assert.equal(b.error_detail.code, code, `${kind}: ${b.error}`);
    assert.equal(b.failure_phase, 'preparing');
    if (kind !== 'bomb') assert.match(b.error, /fifo|null|sda|escape|link|outside/, kind);
  }
});

test('device nodes under /dev are left out (sandboxes recreate /dev); the build succeeds without them', async () => {
  for (const kind of ['char-device', 'block-device']) {
    await pushImage(reg, `hostile/${kind}`, '1', await hostileImage(kind as Parameters<typeof hostileImage>[0]));
    const b = await buildOf(`hostile/${kind}`);
    assert.equal(b.status, 'ready', `${kind}: ${JSON.stringify(b.log_entries.slice(-3))}`);
    const dev = path.join(kiln.dataDir, 'builds', b.build_id, 'rootfs', 'dev');
    assert.deepEqual(await readdir(dev), [], `${kind}: /dev stays empty`);
  }
});

test('platforms the host cannot run and schema 1 manifests are refused, explaining why', async () => {
  const arm = await buildOf('hostile/arm64-only');
  assert.equal(arm.error_detail.code, 'no_matching_platform');
  assert.match(arm.error, /linux\/arm64/);
  const osv = await buildOf('hostile/os-version');
  assert.equal(osv.error_detail.code, 'no_matching_platform');
  const s1 = await buildOf('hostile/schema1');
  assert.equal(s1.error_detail.code, 'unsupported_manifest');
});

test('nothing escaped: every file a hostile build wrote is inside the data directory', async () => {
  // The escapes aimed at ../outside, ../../escape and paths above the root filesystem.
  for (const p of ['/outside', '/escape', path.join(kiln.dataDir, 'outside'), path.join(kiln.dataDir, 'builds', 'outside')]) {
    await assert.rejects(lstat(p), `${p} must not exist`);
  }
  assert.ok((await readdir(path.join(kiln.dataDir, 'builds'))).length > 0);
});
