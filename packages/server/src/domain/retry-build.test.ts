import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../errors/errors.ts';
import { retryRequest } from './retry-build.ts';

const definition = {
  name: 'web', dockerfile: 'FROM ghcr.io/acme/base:1\n', tags: ['v1'],
  build_config: { vcpus: 2, memory_mib: 2048, disk_mb: 10240, internet_access: true },
  build_context: { context_manifest_id: 'ctx_1', context_digest: `sha256:${'a'.repeat(64)}` },
  build_secrets: [{ id: 'a' }, { id: 'b' }],
  registry_auth: [{ registry: 'ghcr.io', kind: 'token' }, { registry: 'docker.io', kind: 'basic' }],
};

function errorOf(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KilnError);
    return err;
  }
  assert.fail('no error was thrown');
}

test('the request is the definition with the stored context by id, fresh secrets and credentials in the original order, new tags', () => {
  const req = retryRequest(definition, {
    tags: ['v2'],
    build_secrets: [{ id: 'b', value: 'vb' }, { id: 'a', value: 'va' }],
    registry_auth: [{ registry: 'index.docker.io', auth: { username: 'u', password: 'p' } }, { registry: 'ghcr.io', auth: { token: 't' } }],
  });
  assert.deepEqual(req, {
    name: 'web', dockerfile: 'FROM ghcr.io/acme/base:1\n', tags: ['v2'],
    build_config: definition.build_config,
    build_context: { context_manifest_id: 'ctx_1' },
    build_secrets: [{ id: 'a', value: 'va' }, { id: 'b', value: 'vb' }],
    registry_auth: [{ registry: 'ghcr.io', auth: { token: 't' } }, { registry: 'index.docker.io', auth: { username: 'u', password: 'p' } }],
  });
});

test('every missing secret id and credential is reported at once, by id and registry', () => {
  const err = errorOf(() => retryRequest(definition, { build_secrets: [{ id: 'a', value: 'SECRET-VALUE' }, { id: 'c', value: 'SECRET-VALUE' }] }));
  assert.equal(err.status, 400);
  assert.deepEqual(err.problems.map((p) => [p.code, p.field]), [
    ['retry_requires_secrets', 'build_secrets'],
    ['retry_requires_credentials', 'registry_auth'],
  ]);
  assert.match(err.problems[0].message, /"b".*"c"/);
  assert.match(err.problems[1].message, /"ghcr\.io", "docker\.io"/);
  assert.ok(!JSON.stringify(err.problems).includes('SECRET-VALUE'));
});

test('a definition whose context was not stored cannot be retried', () => {
  const err = errorOf(() => retryRequest({ base_image: 'debian:bookworm', build_context: { context_manifest_id: null, context_digest: 'sha256:x' } }, {}));
  assert.equal(err.code, 'context_not_found');
});

test('an empty body is no change; other fields are refused by name', () => {
  assert.deepEqual(retryRequest({ base_image: 'debian:bookworm', tags: ['default'] }, undefined), { base_image: 'debian:bookworm', tags: ['default'] });
  const err = errorOf(() => retryRequest({ base_image: 'debian:bookworm' }, { base_image: 'ubuntu:24.04', skip_cache: true }));
  assert.deepEqual(err.problems.map((p) => p.field), ['base_image', 'skip_cache']);
});
