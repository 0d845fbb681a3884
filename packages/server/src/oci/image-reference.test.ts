import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatImageReference, parseImageReference } from './image-reference.ts';

function full(ref: string): string {
  const r = parseImageReference(ref);
  assert.equal(typeof r, 'object', `${ref}: ${String(r)}`);
  return formatImageReference(r as Exclude<typeof r, string>);
}

test('Docker Hub short names gain docker.io and library/', () => {
  assert.equal(full('ubuntu:22.04'), 'docker.io/library/ubuntu:22.04');
  assert.equal(full('ubuntu'), 'docker.io/library/ubuntu:latest');
  assert.equal(full('louislam/uptime-kuma:1'), 'docker.io/louislam/uptime-kuma:1');
  assert.equal(full('index.docker.io/library/debian:bookworm'), 'docker.io/library/debian:bookworm');
});

test('registries with ports, localhost and digests', () => {
  assert.equal(full('127.0.0.1:5000/kiln/busybox:1'), '127.0.0.1:5000/kiln/busybox:1');
  assert.equal(full('localhost/x'), 'localhost/x:latest');
  const d = 'sha256:' + 'a'.repeat(64);
  assert.equal(full(`ghcr.io/o/r@${d}`), `ghcr.io/o/r@${d}`);
  assert.equal(full(`ghcr.io/o/r:v1@${d}`), `ghcr.io/o/r:v1@${d}`);
});

test('invalid references explain themselves', () => {
  for (const bad of ['', 'Ubuntu', 'a b', 'ubuntu:', 'ubuntu:-x', 'x@sha256:zz', 'a//b', '-a', 'a/-b']) {
    assert.equal(typeof parseImageReference(bad), 'string', bad);
  }
});
