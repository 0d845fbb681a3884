import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_B, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

const body = { name: 'isolated', base_image: 'debian:bookworm' };

test('requests without a key or with an unknown key get 401 with a code', async () => {
  for (const key of [null, 'not-a-real-key-at-all']) {
    const res = await kiln.request('POST', '/v1/templates/plan', { body, key });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'unauthorized');
    assert.match(res.body.request_id, /^req_/);
  }
  const malformed = await kiln.request('GET', '/v1/templates/builds/tb_x', { key: null, headers: { authorization: 'Basic abc' } });
  assert.equal(malformed.status, 401);
});

test('another tenant\'s build and template answer 404 exactly like missing ones', async () => {
  const started = await kiln.request('POST', '/v1/templates/builds', { body });
  assert.equal(started.status, 202);
  const id = started.body.build_id;

  const foreign = await kiln.request('GET', `/v1/templates/builds/${id}`, { key: KEY_B });
  const missing = await kiln.request('GET', '/v1/templates/builds/tb_aaaaaaaaaaaaaaaaaaaa', { key: KEY_B });
  assert.equal(foreign.status, 404);
  assert.equal(missing.status, 404);
  assert.equal(foreign.body.code, missing.body.code);
  assert.equal(foreign.body.message.replace(id, 'X'), missing.body.message.replace('tb_aaaaaaaaaaaaaaaaaaaa', 'X'));

  const cancel = await kiln.request('POST', `/v1/templates/builds/${id}/cancel`, { key: KEY_B, body: { reason: 'x' } });
  assert.equal(cancel.status, 404);
  const history = await kiln.request('GET', '/v1/templates/isolated/builds', { key: KEY_B });
  assert.equal(history.status, 404);
  const historyById = await kiln.request('GET', `/v1/templates/${started.body.template_id}/builds`, { key: KEY_B });
  assert.equal(historyById.status, 404);

  // Tenant B may use the same name for its own template; it is a different template.
  const own = await kiln.request('POST', '/v1/templates/builds', { body, key: KEY_B });
  assert.equal(own.status, 202);
  assert.notEqual(own.body.template_id, started.body.template_id);

  // The owner still sees its build, still waiting.
  const mine = await kiln.request('GET', `/v1/templates/builds/${id}`);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.status, 'waiting');
});
