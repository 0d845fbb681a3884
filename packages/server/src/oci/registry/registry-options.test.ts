import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { registryOptionsFromEnv } from './registry-options.ts';

function refused(env: Record<string, string>, pattern: RegExp): void {
  assert.throws(() => registryOptionsFromEnv(env), (e: unknown) => {
    assert.ok(e instanceof KilnError);
    assert.equal(e.code, 'invalid_request');
    assert.match(e.message, pattern);
    return true;
  });
}

test('no variables give empty options', () => {
  assert.deepEqual(registryOptionsFromEnv({}), {});
  assert.deepEqual(registryOptionsFromEnv({ KILN_REGISTRY_MIRRORS: ' ', KILN_INSECURE_REGISTRIES: '' }), {});
});

test('mirrors: several registries, several mirrors each, Docker Hub aliases normalised', () => {
  const opts = registryOptionsFromEnv({
    KILN_REGISTRY_MIRRORS: 'docker.io=127.0.0.1:5000, mirror2 ; ghcr.io=[::1]:5001;index.docker.io=Mirror3.example:443',
  });
  assert.deepEqual(opts.mirrors, {
    'docker.io': ['127.0.0.1:5000', 'mirror2', 'mirror3.example:443'],
    'ghcr.io': ['[::1]:5001'],
  });
});

test('insecure registries become a set of hosts', () => {
  const opts = registryOptionsFromEnv({ KILN_INSECURE_REGISTRIES: '127.0.0.1:5000,localhost:5001,,registry-1.docker.io' });
  assert.deepEqual([...(opts.insecure ?? [])].sort(), ['127.0.0.1:5000', 'docker.io', 'localhost:5001']);
});

test('bad values are named in the error', () => {
  refused({ KILN_REGISTRY_MIRRORS: 'docker.io' }, /KILN_REGISTRY_MIRRORS: "docker.io" is not of the form registry=mirror/);
  refused({ KILN_REGISTRY_MIRRORS: 'docker.io=' }, /"docker.io=" names no mirror/);
  refused({ KILN_REGISTRY_MIRRORS: 'docker.io=https://mirror.example' }, /"https:\/\/mirror.example" is not a registry host/);
  refused({ KILN_INSECURE_REGISTRIES: '127.0.0.1:5000/path' }, /KILN_INSECURE_REGISTRIES: "127.0.0.1:5000\/path"/);
});

test('mirrors-only takes true/false/1/0', () => {
  assert.equal(registryOptionsFromEnv({ KILN_REGISTRY_MIRRORS_ONLY: 'true' }).mirrorsOnly, true);
  assert.equal(registryOptionsFromEnv({ KILN_REGISTRY_MIRRORS_ONLY: '0' }).mirrorsOnly, false);
  refused({ KILN_REGISTRY_MIRRORS_ONLY: 'yes' }, /KILN_REGISTRY_MIRRORS_ONLY="yes" is not true, false, 1 or 0/);
});

test('CA files are read; a missing or non-PEM file is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-ca-'));
  try {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(join(dir, 'a.pem'), pem);
    writeFileSync(join(dir, 'b.txt'), 'not a certificate');
    assert.deepEqual(registryOptionsFromEnv({ KILN_REGISTRY_CA_FILES: join(dir, 'a.pem') }).caCerts, [pem]);
    refused({ KILN_REGISTRY_CA_FILES: `${join(dir, 'a.pem')},${join(dir, 'missing.pem')}` }, /missing\.pem" cannot be read \(ENOENT\)/);
    refused({ KILN_REGISTRY_CA_FILES: join(dir, 'b.txt') }, /b\.txt" holds no PEM certificate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
