import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { packTar } from '../../packages/server/src/context/archive-fixtures.ts';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

const body = {
  name: 'my-python-template', from_image: 'python:3.11-slim', cpu: 2, memory: 4096, diskGB: 10,
  steps: [
    { type: 'RUN', args: ['pip install pandas numpy'] },
    { type: 'WORKDIR', args: ['/workspace'] },
    { type: 'ENV', args: ['PYTHONUNBUFFERED=1'] },
  ],
  readyCmd: { type: 'PORT', port: 8888, timeout: 60000 },
  startCmd: 'jupyter lab --port 8888',
};

describe('POST /v1/templates/build (second platform)', () => {
  test('answers 202 with its own shape, on Kiln\'s build path', async () => {
    const res = await kiln.request('POST', '/v1/templates/build', { body });
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['build_id', 'logs_url', 'request_id', 'status', 'template_id']);
    assert.equal(res.body.status, 'building');
    assert.equal(res.body.logs_url, `${kiln.url}/v1/templates/builds/${res.body.build_id}/logs`);
    const b = await kiln.request('GET', `/v1/templates/builds/${res.body.build_id}`);
    assert.equal(b.body.source_type, 'declarative');
    assert.equal(b.body.triggered_by, 'compat_api');
    assert.deepEqual(b.body.build_config, { vcpus: 2, memory_mib: 4096, disk_mb: 10240, internet_access: true });
    assert.equal(b.body.runtime_defaults.default_workdir, '/workspace');
    assert.deepEqual(b.body.runtime_defaults.readiness, { kind: 'tcp', port: 8888, timeout_secs: 60, interval_ms: 500, startup_grace_secs: 0 });
  });

  test('409 CONFLICT when the name exists and update is false; 202 with update', async () => {
    const again = await kiln.request('POST', '/v1/templates/build', { body });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'CONFLICT');
    assert.equal(again.body.error, 'Template "my-python-template" already exists. Set update=true to update it.');
    const update = await kiln.request('POST', '/v1/templates/build', { body: { ...body, update: true } });
    assert.equal(update.status, 202);
  });

  test('404 when update is true and the template does not exist', async () => {
    const res = await kiln.request('POST', '/v1/templates/build', { body: { ...body, name: 'nope', update: true } });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'NOT_FOUND');
  });

  test('400 INVALID_REQUEST for Alpine images and out-of-range resources', async () => {
    for (const from_image of ['alpine:3.19', 'python:3.11-alpine', 'node:20-alpine3.19', 'docker.io/library/alpine']) {
      const res = await kiln.request('POST', '/v1/templates/build', { body: { ...body, name: 'a', from_image } });
      assert.equal(res.status, 400, from_image);
      assert.equal(res.body.code, 'INVALID_REQUEST');
      assert.match(res.body.error, /Alpine Linux is not supported/);
    }
    for (const [k, v, msg] of [['cpu', 0, /cpu/], ['cpu', 9, /cpu/], ['memory', 256, /between 512 and 64000 MB/], ['memory', 64001, /memory/], ['diskGB', 0, /diskGB/], ['diskGB', 251, /diskGB/]] as const) {
      const res = await kiln.request('POST', '/v1/templates/build', { body: { ...body, name: 'r', [k]: v } });
      assert.equal(res.status, 400, `${k}=${v}`);
      assert.equal(res.body.code, 'INVALID_REQUEST');
      assert.match(res.body.error, msg);
    }
    const missing = await kiln.request('POST', '/v1/templates/build', { body: { name: 'x' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'INVALID_REQUEST');
  });

  test('COPY with filesHash uses the uploaded context with that digest', async () => {
    const tar = await packTar([{ name: 'app.py', content: 'print(1)\n' }, { name: 'lib/util.py', content: 'X = 1\n' }]);
    const up = await kiln.request('POST', '/v1/templates/contexts', { body: new Uint8Array(tar), headers: { 'content-type': 'application/x-tar' } });
    assert.equal(up.status, 201, up.text);
    const copy = { ...body, name: 'with-files', steps: [{ type: 'COPY', args: ['/app'], filesHash: up.body.context_digest }] };
    const res = await kiln.request('POST', '/v1/templates/build', { body: copy });
    assert.equal(res.status, 202, res.text);
    const b = await kiln.request('GET', `/v1/templates/builds/${res.body.build_id}`);
    assert.equal(b.body.context_digest, up.body.context_digest);

    const unknown = { ...copy, name: 'no-files', steps: [{ type: 'COPY', args: ['/app'], filesHash: 'sha256:' + '0'.repeat(64) }] };
    const bad = await kiln.request('POST', '/v1/templates/build', { body: unknown });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'INVALID_REQUEST');
    assert.equal(bad.body.kiln_code, 'context_not_found');
  });
});
