import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runKiln } from '../fixtures/run-cli.ts';
import { startKiln } from '../fixtures/kiln-server.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';

let dataDir: string;
before(async () => { dataDir = await mkdtemp(path.join(tmpdir(), 'kiln-bases-')); });
after(async () => { if (dataDir) await rm(dataDir, { recursive: true, force: true }); });

test('kiln bases build busybox makes kiln/busybox, usable as a base with no registry at all', async () => {
  const env = { KILN_DATA_DIR: dataDir };
  const built = await runKiln(['bases', 'build', 'busybox'], env);
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stdout, /built kiln\/busybox:latest \(sha256:[0-9a-f]{64}\)/);
  const ls = await runKiln(['bases', 'ls'], env);
  assert.match(ls.stdout, /busybox +kiln\/busybox:latest +built sha256:/);
  assert.match(ls.stdout, /debian-bookworm +kiln\/debian:bookworm +not built/);

  const out = path.join(dataDir, 'exported');
  const imported = await runKiln(['image', 'import', 'kiln/busybox', '--output', out], env);
  assert.equal(imported.code, 0, imported.stderr);
  assert.ok((await lstat(path.join(out, 'bin/busybox'))).isFile());

  const kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
  try {
    const plan = await kiln.request('POST', '/v1/templates/plan', { body: { base_image: 'kiln/busybox' } });
    assert.equal(plan.body.source_type, 'template_base');
    const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'on-builtin', base_image: 'kiln/busybox' } });
    const b = await waitForBuild(kiln, res.body.build_id);
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
    assert.equal(b.runtime_defaults.start_cmd, '/bin/sh');
    assert.equal((await rootfsEntries(kiln, b.build_id)).get('bin/busybox')?.type, 'file');
    const dockerfile = await kiln.request('POST', '/v1/templates/validate', { body: { dockerfile: 'FROM kiln/busybox\nRUN true\n' } });
    assert.equal(dockerfile.body.valid, true);
  } finally {
    await kiln.close();
  }
});

test('kiln bases build debian-bookworm bootstraps a Debian minbase into kiln/debian:bookworm', async (t) => {
  const env = { KILN_DATA_DIR: dataDir };
  const built = await runKiln(['bases', 'build', 'debian-bookworm'], env);
  if (built.code !== 0 && /debootstrap of Debian bookworm .* failed/.test(built.stderr)) {
    return t.skip(`the Debian mirror could not be reached: ${built.stderr.trim()}`);
  }
  assert.equal(built.code, 0, built.stderr);
  const out = path.join(dataDir, 'debian');
  const imported = await runKiln(['image', 'import', 'kiln/debian:bookworm', '--output', out], env);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(await readFile(path.join(out, 'etc/os-release'), 'utf8'), /bookworm/);
  assert.ok((await lstat(path.join(out, 'usr/bin/apt-get'))).isFile());
});
