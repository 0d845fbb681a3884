/** Protocol paths best checked against a scripted server: token grants, caching, mirrors, odd manifests. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../errors/errors.ts';
import type { ImageReference } from '../image-reference.ts';
import { MEDIA_TYPES } from '../oci-types.ts';
import { RegistryClient } from './registry-client.ts';
import { digestOf, startFaultServer, type FaultHandler, type FaultServer } from './fault-server.test-helper.ts';

const INDEX = Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex,
  manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: digestOf('m'), size: 1, platform: { os: 'linux', architecture: 'amd64' } }],
}));

/** A registry that wants `Bearer good-access` and a token realm scripted by `realm`. */
async function bearerRegistry(realm: FaultHandler): Promise<{ reg: FaultServer; tok: FaultServer }> {
  const tok = await startFaultServer(realm);
  const reg = await startFaultServer((req, res) => {
    if (req.headers.authorization !== 'Bearer good-access') {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="${tok.url}/token",service="test-registry",scope="repository:kiln/app:pull"`,
        'content-type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    res.writeHead(200, { 'content-type': MEDIA_TYPES.ociIndex, 'docker-content-digest': digestOf(INDEX) });
    res.end(INDEX);
  });
  return { reg, tok };
}

function refOn(host: string, extra: Partial<ImageReference> = {}): ImageReference {
  return { registry: host, repository: 'kiln/app', tag: '1', digest: undefined, ...extra };
}

async function code(p: Promise<unknown>): Promise<KilnError> {
  try { await p; } catch (e) { assert.ok(e instanceof KilnError, String(e)); return e; }
  assert.fail('expected a KilnError');
}

test('Bearer with Basic credentials: one token request, cached for later requests', async () => {
  const { reg, tok } = await bearerRegistry((req, res) => {
    const ok = req.headers.authorization === `Basic ${Buffer.from('alice:pw-123').toString('base64')}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(ok ? JSON.stringify({ token: 'good-access', expires_in: 300 }) : '{}');
  });
  const client = new RegistryClient({ insecure: new Set([reg.host, tok.host]), retryDelayMs: 5 });
  try {
    const auth = { username: 'alice', password: 'pw-123' };
    const m = await client.getManifest(refOn(reg.host), auth);
    assert.equal(m.digest, digestOf(INDEX));
    await client.getManifest(refOn(reg.host), auth);
    assert.equal(tok.requests.length, 1);
    const q = new URL(tok.requests[0].url, 'http://x').searchParams;
    assert.equal(q.get('service'), 'test-registry');
    assert.equal(q.get('scope'), 'repository:kiln/app:pull');
    assert.equal(reg.requests.length, 3, 'one anonymous 401, then two authorised requests');

    const wrong = await code(client.getManifest(refOn(reg.host), { username: 'alice', password: 'wrong-pw-456' }));
    assert.equal(wrong.code, 'registry_auth_failed');
    assert.match(wrong.message, new RegExp(`repository kiln/app on registry ${reg.host.replace(/[.[\]]/g, '\\$&')}`));
    assert.doesNotMatch(wrong.message, /wrong-pw-456|pw-123/);
  } finally {
    await client.close(); await reg.stop(); await tok.stop();
  }
});

test('Bearer anonymously: the token request carries no credentials', async () => {
  const { reg, tok } = await bearerRegistry((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: 'good-access' }));
  });
  const client = new RegistryClient({ insecure: new Set([reg.host, tok.host]), retryDelayMs: 5 });
  try {
    await client.getManifest(refOn(reg.host));
    assert.equal(tok.requests[0].headers.authorization, undefined);
  } finally {
    await client.close(); await reg.stop(); await tok.stop();
  }
});

test('a {token} credential is exchanged with grant_type=refresh_token', async () => {
  const { reg, tok } = await bearerRegistry((req, res, body) => {
    const form = new URLSearchParams(body);
    const ok = req.method === 'POST' && form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'identity-tok'
      && form.get('scope') === 'repository:kiln/app:pull' && form.get('service') === 'test-registry';
    res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
    res.end(ok ? JSON.stringify({ access_token: 'good-access', expires_in: 60 }) : '{}');
  });
  const client = new RegistryClient({ insecure: new Set([reg.host, tok.host]), retryDelayMs: 5 });
  try {
    const m = await client.getManifest(refOn(reg.host), { token: 'identity-tok' });
    assert.equal(m.mediaType, MEDIA_TYPES.ociIndex);
    assert.equal(tok.requests.length, 1);
  } finally {
    await client.close(); await reg.stop(); await tok.stop();
  }
});

test('a realm that refuses the refresh grant: the token is sent to the registry as the Bearer token', async () => {
  const { reg, tok } = await bearerRegistry((_req, res) => { res.writeHead(405); res.end(); });
  const client = new RegistryClient({ insecure: new Set([reg.host, tok.host]), retryDelayMs: 5 });
  try {
    await client.getManifest(refOn(reg.host), { token: 'good-access' });
    const bad = await code(client.getManifest(refOn(reg.host), { token: 'not-accepted-token' }));
    assert.equal(bad.code, 'registry_auth_failed');
    assert.doesNotMatch(bad.message, /not-accepted-token/);
  } finally {
    await client.close(); await reg.stop(); await tok.stop();
  }
});

test('Basic challenge without credentials, and AWS credentials, are registry_auth_failed', async () => {
  const reg = await startFaultServer((_req, res) => { res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }); res.end(); });
  const client = new RegistryClient({ insecure: new Set([reg.host]), retryDelayMs: 5 });
  try {
    const anon = await code(client.getManifest(refOn(reg.host)));
    assert.equal(anon.code, 'registry_auth_failed');
    assert.match(anon.message, /requires credentials; pass them as base_image_auth/);
    const before = reg.requests.length;
    const aws = await code(client.getManifest(refOn(reg.host), { aws_access_key_id: 'AKIAEXAMPLE', aws_secret_access_key: 'aws-secret-xyz', aws_region: 'eu-west-1' }));
    assert.equal(aws.code, 'registry_auth_failed');
    assert.match(aws.message, /AWS \(ECR\) credentials are not supported yet/);
    assert.doesNotMatch(aws.message, /aws-secret-xyz|AKIAEXAMPLE/);
    assert.equal(reg.requests.length, before, 'nothing was sent');
  } finally {
    await client.close(); await reg.stop();
  }
});

test('manifests: 404, schema 1, unknown media type, and a by-digest mismatch', async () => {
  const schema1 = JSON.stringify({ schemaVersion: 1, name: 'kiln/app', tag: '1', fsLayers: [], history: [] });
  const reg = await startFaultServer((req, res) => {
    const tag = (req.url ?? '').split('/').pop();
    if (tag === 'missing') { res.writeHead(404, { 'content-type': 'application/json' }); res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'); return; }
    if (tag === 'old') { res.writeHead(200, { 'content-type': MEDIA_TYPES.dockerSchema1Signed }); res.end(schema1); return; }
    if (tag === 'helm') { res.writeHead(200, { 'content-type': 'application/vnd.cncf.helm.chart.v1+json' }); res.end('{"schemaVersion":2,"mediaType":"application/vnd.cncf.helm.chart.v1+json"}'); return; }
    res.writeHead(200, { 'content-type': MEDIA_TYPES.ociIndex });
    res.end(INDEX);
  });
  const client = new RegistryClient({ insecure: new Set([reg.host]), retryDelayMs: 5 });
  try {
    const missing = await code(client.getManifest(refOn(reg.host, { tag: 'missing' })));
    assert.equal(missing.code, 'base_image_not_found');
    assert.match(missing.message, new RegExp(`${reg.host}/kiln/app:missing`));
    assert.equal((await code(client.getManifest(refOn(reg.host, { tag: 'old' })))).code, 'unsupported_manifest');
    assert.match((await code(client.getManifest(refOn(reg.host, { tag: 'old' })))).message, /schema 1/);
    assert.equal((await code(client.getManifest(refOn(reg.host, { tag: 'helm' })))).code, 'unsupported_manifest');
    const otherDigest = digestOf('something else');
    const mismatch = await code(client.getManifestByDigest(refOn(reg.host), otherDigest));
    assert.equal(mismatch.code, 'digest_mismatch');
    const ok = await client.getManifestByDigest(refOn(reg.host), digestOf(INDEX));
    assert.ok(ok.bytes.equals(INDEX));
  } finally {
    await client.close(); await reg.stop();
  }
});

test('mirrors: a mirror that lacks the image falls through to the registry; mirrors get no credentials', async () => {
  const mirror = await startFaultServer((_req, res) => { res.writeHead(404); res.end(); });
  const reg = await startFaultServer((req, res) => {
    if (!req.headers.authorization) { res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }); res.end(); return; }
    res.writeHead(200, { 'content-type': MEDIA_TYPES.ociIndex });
    res.end(INDEX);
  });
  const client = new RegistryClient({ insecure: new Set([reg.host, mirror.host]), mirrors: { [reg.host]: [mirror.host] }, retryDelayMs: 5 });
  try {
    const m = await client.getManifest(refOn(reg.host), { username: 'u', password: 'p-secret' });
    assert.equal(m.digest, digestOf(INDEX));
    assert.equal(mirror.requests.length, 1);
    assert.equal(mirror.requests[0].url, '/v2/kiln/app/manifests/1');
    assert.equal(mirror.requests[0].headers.authorization, undefined);
  } finally {
    await client.close(); await reg.stop(); await mirror.stop();
  }
});
