import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../errors/errors.ts';
import { MEDIA_TYPES, type Descriptor, type ImageIndex, type Platform } from './oci-types.ts';
import { describePlatform, hostPlatform, isAttestation, selectPlatform } from './platform-select.ts';

let n = 0;
function entry(platform: Platform | undefined, annotations?: Record<string, string>): Descriptor {
  n++;
  return {
    mediaType: MEDIA_TYPES.ociManifest,
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    size: 500 + n,
    ...(platform ? { platform } : {}),
    ...(annotations ? { annotations } : {}),
  };
}
const idx = (...manifests: Descriptor[]): ImageIndex => ({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests });
const linux = (architecture: string, variant?: string, extra: Partial<Platform> = {}): Platform =>
  ({ os: 'linux', architecture, ...(variant ? { variant } : {}), ...extra });
const AMD64 = { architecture: 'amd64' };
const ARM64 = { architecture: 'arm64', variant: 'v8' };

function noMatch(fn: () => unknown): KilnError {
  try { fn(); } catch (e) {
    assert.ok(e instanceof KilnError);
    assert.equal(e.code, 'no_matching_platform');
    assert.equal(e.phase, 'preparing');
    return e;
  }
  assert.fail('expected no_matching_platform');
}

test('amd64: a variantless and a v1 manifest are both exact; the first in index order wins', () => {
  const a = entry(linux('amd64'));
  const b = entry(linux('amd64', 'v1'));
  assert.equal(selectPlatform(idx(entry(linux('arm64', 'v8')), a, b), AMD64), a);
  assert.equal(selectPlatform(idx(b, a), AMD64), b);
});

test('amd64: v2/v3 micro-architecture levels are not chosen', () => {
  const v3 = entry(linux('amd64', 'v3'));
  const plain = entry(linux('amd64'));
  assert.equal(selectPlatform(idx(v3, plain), AMD64), plain);
  const e = noMatch(() => selectPlatform(idx(v3), AMD64));
  assert.match(e.message, /linux\/amd64\/v3/);
});

test('arm64: v8 and v8.0 are exact and preferred over a variantless manifest listed first', () => {
  const plain = entry(linux('arm64'));
  const v8 = entry(linux('arm64', 'v8'));
  const v80 = entry(linux('arm64', 'v8.0'));
  assert.equal(selectPlatform(idx(plain, v8), ARM64), v8);
  assert.equal(selectPlatform(idx(plain, v80), ARM64), v80);
});

test('arm64: falls back to a variantless Linux manifest, never to another variant', () => {
  const plain = entry(linux('arm64'));
  assert.equal(selectPlatform(idx(entry(linux('arm64', 'v9')), plain), ARM64), plain);
  const e = noMatch(() => selectPlatform(idx(entry(linux('arm64', 'v9')), entry(linux('arm', 'v7'))), ARM64));
  assert.match(e.message, /it offers: linux\/arm64\/v9, linux\/arm\/v7\./);
});

test('manifests with os.version or non-empty os.features are rejected; empty os.features is fine', () => {
  const withVersion = entry(linux('amd64', undefined, { 'os.version': '5.15' }));
  const withFeatures = entry(linux('amd64', undefined, { 'os.features': ['sse4'] }));
  const emptyFeatures = entry(linux('amd64', undefined, { 'os.features': [] }));
  assert.equal(selectPlatform(idx(withVersion, withFeatures, emptyFeatures), AMD64), emptyFeatures);
  const e = noMatch(() => selectPlatform(idx(withVersion, withFeatures), AMD64));
  assert.match(e.message, /linux\/amd64 \(os\.version 5\.15\), linux\/amd64 \(os\.features sse4\)/);
});

test('Windows-only image: the error lists each platform with its os.version', () => {
  const e = noMatch(() => selectPlatform(idx(
    entry({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' }),
    entry({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2227' }),
    entry(linux('arm64', 'v8')),
  ), AMD64));
  assert.equal(e.message,
    'The image has no manifest for linux/amd64 (variant v1 or none) without os.version or os.features; '
    + 'it offers: windows/amd64 (os.version 10.0.17763.1234), windows/amd64 (os.version 10.0.20348.2227), linux/arm64/v8.');
});

test('attestation manifests are skipped and not listed as offered platforms', () => {
  const att = entry({ os: 'unknown', architecture: 'unknown' }, {
    'vnd.docker.reference.type': 'attestation-manifest',
    'vnd.docker.reference.digest': 'sha256:' + 'a'.repeat(64),
  });
  const img = entry(linux('amd64'));
  assert.ok(isAttestation(att));
  assert.ok(!isAttestation(img));
  assert.equal(selectPlatform(idx(att, img), AMD64), img);
  const e = noMatch(() => selectPlatform(idx(att, entry(linux('s390x'))), AMD64));
  assert.match(e.message, /it offers: linux\/s390x\.$/);
  assert.doesNotMatch(e.message, /unknown/);
});

test('an attestation annotated entry is skipped even with a real-looking platform', () => {
  const att = entry(linux('amd64'), { 'vnd.docker.reference.type': 'attestation-manifest' });
  noMatch(() => selectPlatform(idx(att), AMD64));
});

test('entries without a platform are not chosen; an empty index says so', () => {
  const e = noMatch(() => selectPlatform(idx(entry(undefined)), AMD64));
  assert.match(e.message, /it offers: no platform given/);
  const empty = noMatch(() => selectPlatform(idx(), ARM64));
  assert.match(empty.message, /linux\/arm64 \(variant v8, v8\.0 or none\).*it lists no image manifests/);
});

test('other architectures match their own variant or a variantless manifest', () => {
  const v6 = entry(linux('arm', 'v6'));
  const v7 = entry(linux('arm', 'v7'));
  assert.equal(selectPlatform(idx(v6, v7), { architecture: 'arm', variant: 'v7' }), v7);
  const riscv = entry(linux('riscv64'));
  assert.equal(selectPlatform(idx(v6, riscv), { architecture: 'riscv64' }), riscv);
});

test('hostPlatform maps Node architectures to OCI names', () => {
  assert.deepEqual(hostPlatform('x64'), { architecture: 'amd64' });
  assert.deepEqual(hostPlatform('arm64'), { architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(hostPlatform('s390x'), { architecture: 's390x' });
  assert.deepEqual(hostPlatform(), hostPlatform(process.arch));
});

test('describePlatform shows variants and os extras', () => {
  assert.equal(describePlatform(linux('arm64', 'v8')), 'linux/arm64/v8');
  assert.equal(describePlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0', 'os.features': ['win32k'] }),
    'windows/amd64 (os.version 10.0, os.features win32k)');
});
