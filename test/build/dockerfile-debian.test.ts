import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { installDebianBase } from '../fixtures/builtin-debian.ts';
import { debootstrapAvailable } from '../fixtures/images/debian-base.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';

let kiln: KilnFixture | undefined;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'kiln-df-debian-'));
});
after(async () => {
  await kiln?.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('a Dockerfile on kiln/debian:bookworm installs packages with apt-get through the build network', async (t) => {
  if (!debootstrapAvailable()) return t.skip('debootstrap is not installed (npm test installs it when run as root)');
  try {
    await installDebianBase(dataDir);
  } catch (err) {
    if (/debootstrap/.test(String(err))) return t.skip(`the Debian minbase could not be bootstrapped from this machine's mirror: ${String(err).slice(0, 300)}`);
    throw err;
  }
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
  const dockerfile = [
    'FROM kiln/debian:bookworm',
    'RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*',
    'RUN jq --version > /jq-version',
    '',
  ].join('\n');
  const res = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'debian-jq', dockerfile } });
  assert.equal(res.status, 202, res.text);
  const b = await waitForBuild(kiln, res.body.build_id, { timeoutMs: 600_000 });
  assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? b.log_entries.map((e: { message: string }) => e.message).slice(-30)));
  const files = await rootfsEntries(kiln, b.build_id);
  assert.match(files.get('jq-version')?.content ?? '', /^jq-1\./);
  assert.equal(files.get('usr/bin/jq')?.type, 'file');
  assert.ok(b.log_entries.some((e: { message: string; phase?: string }) => e.phase === 'step' && /^Setting up jq /.test(e.message)), 'apt-get output is in the log');
  assert.deepEqual(b.runtime_defaults.default_env_keys, ['PATH'], 'the base image\'s env');
  assert.equal(b.runtime_defaults.start_cmd, '/bin/bash', 'the base image\'s Cmd');
});
