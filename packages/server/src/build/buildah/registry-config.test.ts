import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../errors/errors.ts';
import { authFile, registriesConf } from './registry-config.ts';

test('mirrors come before the registry; insecure hosts are marked', () => {
  const conf = registriesConf({ mirrors: { 'docker.io': ['127.0.0.1:5000', 'mirror.local'] }, insecure: new Set(['127.0.0.1:5000', 'plain.local:80']) });
  assert.match(conf, /^unqualified-search-registries = \["docker.io"\]$/m);
  assert.match(conf, /\[\[registry\]\]\nprefix = "docker.io"\nlocation = "docker.io"\ninsecure = false\n\[\[registry.mirror\]\]\nlocation = "127.0.0.1:5000"\ninsecure = true\n\[\[registry.mirror\]\]\nlocation = "mirror.local"\ninsecure = false\n/);
  assert.match(conf, /\[\[registry\]\]\nlocation = "plain.local:80"\ninsecure = true\n/);
  assert.match(conf, /\n\[\[registry\]\]\nlocation = "127.0.0.1:5000"\ninsecure = true\n/, 'a mirror named directly is insecure too');
});

test('with mirrors only, the registry itself is never contacted', () => {
  const conf = registriesConf({ mirrors: { 'docker.io': ['127.0.0.1:5000'] }, mirrorsOnly: true, insecure: new Set(['127.0.0.1:5000']) });
  assert.match(conf, /prefix = "docker.io"\nlocation = "127.0.0.1:5000"\ninsecure = true\n/);
  assert.doesNotMatch(conf, /location = "docker.io"/);
});

test('the auth file holds basic credentials and identity tokens per registry host', () => {
  const file = JSON.parse(authFile([
    { registry: 'https://Registry.Example.com/', auth: { username: 'u', password: 'p:w' } },
    { registry: 'index.docker.io', auth: { token: 'tok' } },
  ]));
  assert.deepEqual(file, { auths: { 'registry.example.com': { auth: Buffer.from('u:p:w').toString('base64') }, 'docker.io': { identitytoken: 'tok' } } });
});

test('AWS credentials are refused with a message that names the alternative, and no secret', () => {
  assert.throws(() => authFile([{ registry: 'x.ecr.aws', auth: { aws_access_key_id: 'AKIA', aws_secret_access_key: 'very-secret', aws_region: 'us-east-1' } }]), (err: unknown) => {
    assert.ok(err instanceof KilnError);
    assert.equal(err.code, 'registry_auth_failed');
    assert.match(err.message, /ecr get-login-password/);
    assert.doesNotMatch(err.message, /very-secret/);
    return true;
  });
});
