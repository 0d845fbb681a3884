import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { ERROR_CODES } from '../../packages/server/src/errors/codes.ts';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

test('/openapi.json is OpenAPI 3.1 with every route, the request schema and the error codes', async () => {
  const res = await kiln.request('GET', '/openapi.json', { key: null });
  assert.equal(res.status, 200);
  const doc = res.body;
  assert.equal(doc.openapi, '3.1.0');
  for (const [p, m] of [
    ['/v1/templates/validate', 'post'], ['/v1/templates/plan', 'post'], ['/v1/templates/builds', 'post'],
    ['/v1/templates/builds/{build_id}', 'get'], ['/v1/templates/{ref}/builds', 'get'],
    ['/v1/templates/builds/{build_id}/cancel', 'post'], ['/v1/templates/build', 'post'], ['/v1/templates/contexts', 'post'],
    ['/v1/templates', 'get'], ['/v1/templates/{ref}', 'get'], ['/v1/templates/{ref}', 'delete'], ['/v1/templates/{ref}/tags', 'post'],
    ['/v1/templates/{ref}/tags/{tag}', 'delete'], ['/v1/templates/{ref}/aliases', 'get'], ['/v1/templates/{ref}/aliases/{alias}', 'delete'],
    ['/v1/templates/reservations', 'post'], ['/v1/templates/{ref}/rename', 'post'], ['/v1/templates/{ref}/visibility', 'post'],
  ]) {
    assert.ok(doc.paths[p]?.[m], `${m} ${p} missing`);
  }
  const body = doc.paths['/v1/templates/builds'].post.requestBody.content['application/json'].schema;
  for (const f of ['name', 'dockerfile', 'base_image', 'alias', 'tags', 'steps', 'build_envs', 'start_cmd', 'build_context', 'build_config',
    'build_backend', 'dockerfile_path', 'build_args', 'build_target', 'runtime_config', 'base_image_auth', 'registry_auth', 'build_secrets', 'skip_cache', 'claim_token']) {
    assert.ok(body.properties[f], `request field ${f} missing`);
  }
  assert.ok(JSON.stringify(body.properties.steps).includes('apt_install'));
  const template = doc.paths['/v1/templates/{ref}'].get.responses['200'].content['application/json'].schema;
  for (const f of ['id', 'name', 'description', 'tags', 'default_tag', 'builtin', 'canonical_ref', 'namespace_slug', 'visibility']) {
    assert.ok(template.properties[f], `template field ${f} missing`);
  }
  const reservation = doc.paths['/v1/templates/reservations'].post.responses['201'].content['application/json'].schema;
  assert.deepEqual(Object.keys(reservation.properties), ['name', 'claim_token', 'expires_at']);
  for (const code of Object.keys(ERROR_CODES)) assert.ok(doc.info.description.includes(`\`${code}\``), code);
});

test('/docs serves the browsable API', async () => {
  const res = await fetch(`${kiln.url}/docs/`, { redirect: 'follow' });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /swagger/i);
});

test('unknown routes are a 404 with a code', async () => {
  const res = await kiln.request('GET', '/v2/nothing');
  assert.equal(res.status, 404);
  assert.equal(res.body.code, 'route_not_found');
});
