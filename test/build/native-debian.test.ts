import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { installDebianBase } from '../fixtures/builtin-debian.ts';
import { rootfsEntries } from '../fixtures/artifact-tar.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';

let kiln: KilnFixture | undefined;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'kiln-native-debian-'));
  await installDebianBase(dataDir);
  kiln = await startKiln({ KILN_WORKER: 'embedded' }, { dataDir });
});
after(async () => {
  await kiln?.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('declarative steps on kiln/debian:bookworm apt-get install a package through slirp4netns', async () => {
  const res = await kiln!.request('POST', '/v1/templates/builds', {
    body: {
      name: 'native-jq', base_image: 'kiln/debian:bookworm',
      steps: [{ type: 'apt_install', packages: ['jq'] }, { type: 'run', command: 'jq --version > /jq-version' }],
    },
  });
  assert.equal(res.status, 202, res.text);
  const b = await waitForBuild(kiln!, res.body.build_id, { timeoutMs: 600_000 });
  assert.equal(b.status, 'ready', JSON.stringify(b.error_detail ?? b.log_entries.map((e: { message: string }) => e.message).slice(-30)));
  assert.equal(b.build_backend, 'native');
  const files = await rootfsEntries(kiln!, b.build_id);
  assert.match(files.get('jq-version')?.content ?? '', /^jq-1\./);
  assert.equal(files.get('usr/bin/jq')?.type, 'file');
  assert.ok(b.log_entries.some((e: { message: string; phase?: string; step_index?: number }) => e.phase === 'step' && e.step_index === 1 && /^Setting up jq /.test(e.message)), 'apt-get output is in the log');
});
