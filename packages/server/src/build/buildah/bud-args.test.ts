import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budArgs, type BudSettings } from './bud-args.ts';

const base: BudSettings = {
  dockerfile: '/d/Dockerfile', contextDir: '/d/context', iidFile: '/d/iid', runcRoot: '/d/runc', policyPath: '/p.json',
  registriesConf: '/d/registries.conf', secrets: [], buildArgs: {}, layers: true, network: { netns: '/proc/42/ns/net', dns: '10.0.2.3' },
};

test('a build runs on runc with OCI isolation and its own runc state, context last', () => {
  const args = budArgs(base);
  assert.deepEqual(args.slice(0, 3), ['--registries-conf', '/d/registries.conf', 'bud']);
  for (const pair of [['--runtime', 'runc'], ['--isolation', 'oci'], ['--runtime-flag', 'root=/d/runc'], ['-f', '/d/Dockerfile']]) {
    assert.equal(args[args.indexOf(pair[0]) + 1], pair[1]);
  }
  assert.ok(args.includes('--layers=true') && args.includes('--force-rm'));
  assert.match(args.join(' '), /--network ns:\/proc\/42\/ns\/net --dns 10\.0\.2\.3/, 'steps join the build network with its DNS');
  assert.equal(args.at(-1), '/d/context');
});

test('no network, secrets as files, build args, target and limits', () => {
  const args = budArgs({ ...base, network: null, layers: false, secrets: [{ id: 'tok', file: '/shm/0-tok' }], buildArgs: { A: 'x y' }, target: 'final', vcpus: 2, memoryMib: 512, authFile: '/shm/auth.json' });
  const joined = args.join(' ');
  assert.match(joined, /--network none/);
  assert.match(joined, /--layers=false/);
  assert.match(joined, /--secret id=tok,src=\/shm\/0-tok/);
  assert.equal(args[args.indexOf('--build-arg') + 1], 'A=x y');
  assert.match(joined, /--target final/);
  assert.match(joined, /--memory 512m --cpu-period 100000 --cpu-quota 200000/);
  assert.match(joined, /--authfile \/shm\/auth.json/);
});

test('a secret id that could smuggle options is refused', () => {
  assert.throws(() => budArgs({ ...base, secrets: [{ id: 'x,src=/etc/shadow', file: '/shm/0' }] }), RangeError);
});
