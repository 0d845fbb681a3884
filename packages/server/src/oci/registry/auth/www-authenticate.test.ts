import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWwwAuthenticate } from './www-authenticate.ts';

test('Docker Hub style Bearer challenge with quoted values', () => {
  const got = parseWwwAuthenticate(
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"',
  );
  assert.deepEqual(got, [{
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' },
  }]);
});

test('commas inside quotes stay in the value', () => {
  const [ch] = parseWwwAuthenticate('Bearer realm="http://127.0.0.1:5001/token",scope="repository:a/b:pull,push",service="reg"');
  assert.equal(ch.params.scope, 'repository:a/b:pull,push');
  assert.equal(ch.params.service, 'reg');
});

test('escaped quotes and backslashes are unescaped', () => {
  const [ch] = parseWwwAuthenticate('Basic realm="say \\"hi\\", then \\\\ leave"');
  assert.equal(ch.scheme, 'basic');
  assert.equal(ch.params.realm, 'say "hi", then \\ leave');
});

test('the scheme and parameter names are case-insensitive', () => {
  const [ch] = parseWwwAuthenticate('BEARER Realm="https://x/token", SERVICE=reg');
  assert.equal(ch.scheme, 'bearer');
  assert.deepEqual(ch.params, { realm: 'https://x/token', service: 'reg' });
});

test('several challenges in one header, with spaces around commas and =', () => {
  const got = parseWwwAuthenticate('Basic realm="Registry Realm" , Bearer realm = "https://t/token", service="s", error="insufficient_scope"');
  assert.equal(got.length, 2);
  assert.deepEqual(got[0], { scheme: 'basic', params: { realm: 'Registry Realm' } });
  assert.deepEqual(got[1], { scheme: 'bearer', params: { realm: 'https://t/token', service: 's', error: 'insufficient_scope' } });
});

test('a bare scheme, a token68 and unquoted values', () => {
  const got = parseWwwAuthenticate('Negotiate abc123==, Basic, Bearer realm=https://t/token');
  assert.deepEqual(got.map((c) => c.scheme), ['negotiate', 'basic', 'bearer']);
  assert.equal(got[0].token68, 'abc123==');
  assert.deepEqual(got[1].params, {});
  assert.equal(got[2].params.realm, 'https://t/token');
});

test('garbage yields no challenge rather than an exception', () => {
  assert.deepEqual(parseWwwAuthenticate(''), []);
  assert.deepEqual(parseWwwAuthenticate('="x", ,'), []);
  const [ch] = parseWwwAuthenticate('Bearer realm="unterminated');
  assert.equal(ch.params.realm, 'unterminated');
});
