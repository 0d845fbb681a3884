import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_B, startKiln, type KilnFixture, type TestResponse } from '../fixtures/kiln-server.ts';
import { startRegistry, type RegistryFixture } from '../fixtures/registry/registry-server.ts';
import { pushImage } from '../fixtures/images/push-image.ts';
import { busyboxImage } from '../fixtures/images/test-images.ts';
import { filesContaining } from '../fixtures/search-dir.ts';
import { waitForBuild } from '../fixtures/wait-build.ts';

/** A registry address on loopback that nothing listens on: no build here runs, so nothing contacts it. */
const NOWHERE = '127.0.0.1:9';

async function start(kiln: KilnFixture, body: Record<string, unknown>): Promise<any> {
  const res = await kiln.request('POST', '/v1/templates/builds', { body });
  assert.equal(res.status, 202, res.text);
  return res.body;
}

function retry(kiln: KilnFixture, buildId: string, body?: unknown, key?: string): Promise<TestResponse> {
  return kiln.request('POST', `/v1/templates/builds/${buildId}/retry`, { body, key });
}

describe('retry without a worker: what the retry must give again', () => {
  let kiln: KilnFixture;
  const responses: string[] = [];
  const values = { first: 'S3cret-first-value-4d1f', second: 'S3cret-second-value-a9b0', token: 'T0ken-retry-base-auth-e2c4', password: 'P4ss-retry-registry-7f31' };
  before(async () => { kiln = await startKiln(); });
  after(async () => { await kiln?.close(); });

  const dockerfile = `FROM ${NOWHERE}/team/base:1\nRUN --mount=type=secret,id=npmrc --mount=type=secret,id=token cat /run/secrets/npmrc\n`;
  const secretBuild = () => start(kiln, { name: 'with-secrets', dockerfile, build_secrets: [{ id: 'npmrc', value: values.first }, { id: 'token', value: values.first }] });

  test('build secrets must be given again with exactly the same ids; the error names the ids, never a value', async () => {
    const original = await secretBuild();
    const cases: [unknown, RegExp][] = [
      [undefined, /"npmrc", "token"/],
      [{ build_secrets: [{ id: 'npmrc', value: values.second }] }, /"token"/],
      [{ build_secrets: [{ id: 'npmrc', value: values.second }, { id: 'token', value: values.second }, { id: 'extra', value: values.second }] }, /"extra"/],
    ];
    for (const [body, names] of cases) {
      const res = await retry(kiln, original.build_id, body);
      responses.push(res.text);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'retry_requires_secrets');
      assert.match(res.body.message, names);
      assert.equal(res.body.errors[0].field, 'build_secrets');
    }
    const ok = await retry(kiln, original.build_id, { build_secrets: [{ id: 'token', value: values.second }, { id: 'npmrc', value: values.second }] });
    responses.push(ok.text);
    assert.equal(ok.status, 202, ok.text);
    assert.notEqual(ok.body.build_id, original.build_id);
    assert.equal(ok.body.template_id, original.template_id);
    assert.equal(ok.body.status, 'waiting');
    assert.equal(ok.body.attempt, 1);
    assert.equal(ok.body.triggered_by, `retry:${original.build_id}`);
    assert.equal(ok.body.source_digest, original.source_digest, 'the same definition: secret values never enter the digest');
    assert.equal(ok.body.dockerfile_digest, original.dockerfile_digest);
  });

  test('base_image_auth and registry_auth must be given again; the error says which', async () => {
    const withBaseAuth = await start(kiln, { name: 'base-auth', base_image: `${NOWHERE}/team/app:1`, base_image_auth: { token: values.token } });
    const denied = await retry(kiln, withBaseAuth.build_id, {});
    responses.push(denied.text);
    assert.equal(denied.status, 400, denied.text);
    assert.equal(denied.body.code, 'retry_requires_credentials');
    assert.match(denied.body.message, /base_image_auth/);
    const again = await retry(kiln, withBaseAuth.build_id, { base_image_auth: { token: values.token } });
    responses.push(again.text);
    assert.equal(again.status, 202, again.text);
    assert.equal(again.body.requires_base_image_auth, true);

    const withRegistryAuth = await start(kiln, {
      name: 'registry-auth', dockerfile: `FROM ${NOWHERE}/team/base:1\nRUN true\n`,
      registry_auth: [{ registry: NOWHERE, auth: { username: 'bot', password: values.password } }],
    });
    const missing = await retry(kiln, withRegistryAuth.build_id, { base_image_auth: { token: values.token } });
    responses.push(missing.text);
    assert.equal(missing.status, 400, missing.text);
    assert.equal(missing.body.code, 'retry_requires_credentials');
    assert.ok(missing.body.message.includes(NOWHERE), missing.body.message);
    assert.equal(missing.body.errors[0].field, 'registry_auth');
    const given = await retry(kiln, withRegistryAuth.build_id, { registry_auth: [{ registry: NOWHERE, auth: { username: 'bot', password: values.password } }] });
    responses.push(given.text);
    assert.equal(given.status, 202, given.text);
  });

  test('a retry reuses the stored build context of the original (inline files included)', async () => {
    const original = await start(kiln, {
      name: 'with-context', dockerfile: `FROM ${NOWHERE}/team/base:1\nCOPY app.txt /srv/app.txt\n`,
      build_context: { files: [{ path: 'app.txt', content: 'hello from the context' }] },
    });
    assert.ok(original.context_digest);
    const res = await retry(kiln, original.build_id);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.context_digest, original.context_digest);
    assert.equal(res.body.source_digest, original.source_digest);
  });

  test('tags replace the original\'s; the template and its name stay', async () => {
    const original = await start(kiln, { base_image: `${NOWHERE}/team/app:1`, tags: ['v1', 'stable'] });
    const same = await retry(kiln, original.build_id);
    assert.equal(same.status, 202, same.text);
    assert.deepEqual(same.body.tags, ['v1', 'stable']);
    assert.equal(same.body.name, original.name, 'a generated name is kept, not generated again');
    const retagged = await retry(kiln, original.build_id, { tags: ['v2'] });
    assert.equal(retagged.status, 202, retagged.text);
    assert.deepEqual(retagged.body.tags, ['v2']);
    assert.equal(retagged.body.template_id, original.template_id);
    const bad = await retry(kiln, original.build_id, { tags: [] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_tags');
  });

  test('a build still waiting may be retried: the retry is another build, the original is untouched', async () => {
    const original = await start(kiln, { name: 'still-waiting', base_image: `${NOWHERE}/team/app:1` });
    const res = await retry(kiln, original.build_id);
    assert.equal(res.status, 202, res.text);
    const after = await kiln.request('GET', `/v1/templates/builds/${original.build_id}`);
    assert.equal(after.body.status, 'waiting');
    const history = await kiln.request('GET', '/v1/templates/still-waiting/builds');
    assert.deepEqual(history.body.builds.map((b: any) => b.build_id).sort(), [res.body.build_id, original.build_id].sort());
  });

  test('fields a retry cannot change, and malformed bodies, are refused with invalid_request', async () => {
    const original = await start(kiln, { name: 'strict', base_image: `${NOWHERE}/team/app:1` });
    for (const [body, field] of [
      [{ base_image: 'debian:bookworm' }, 'base_image'],
      [{ tags: 'v2' }, 'tags'],
      [[1, 2], 'body'],
      [{ build_secrets: [{ id: 'x' }] }, 'build_secrets[0].value'],
    ] as const) {
      const res = await retry(kiln, original.build_id, body);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'invalid_request');
      assert.equal(res.body.errors[0].field, field, res.text);
    }
    const notJson = await kiln.request('POST', `/v1/templates/builds/${original.build_id}/retry`, { body: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.code, 'invalid_json');
  });

  test('another tenant\'s build answers 404 exactly like a missing one', async () => {
    const original = await start(kiln, { name: 'mine', base_image: `${NOWHERE}/team/app:1` });
    const foreign = await retry(kiln, original.build_id, {}, KEY_B);
    const missing = await retry(kiln, 'tb_doesnotexist', {}, KEY_B);
    assert.equal(foreign.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(foreign.body.code, 'not_found');
    assert.equal(missing.body.code, 'not_found');
    const theirs = await kiln.request('GET', '/v1/templates/mine/builds', { key: KEY_B });
    assert.equal(theirs.status, 404, 'no template was created for the other tenant');
  });

  test('no secret or credential value reaches the data directory or a response', async () => {
    const someBuild = await secretBuild();
    responses.push((await kiln.request('GET', `/v1/templates/builds/${someBuild.build_id}`)).text);
    await kiln.server.close();
    try {
      for (const value of Object.values(values)) {
        assert.deepEqual(await filesContaining(kiln.dataDir, value), [], `${value} found in the data directory`);
        for (const r of responses) assert.ok(!r.includes(value), `${value} found in a response`);
      }
    } finally {
      const closed = kiln;
      kiln = undefined!;
      await closed.close().catch(() => {});
    }
  });
});

describe('retry with a worker: the new build runs', () => {
  let open: RegistryFixture;
  let secured: RegistryFixture;
  let kiln: KilnFixture;
  before(async () => {
    open = await startRegistry({ auth: 'none' });
    secured = await startRegistry({ auth: 'basic', tls: true });
    await pushImage(open, 'kiln/busybox', '1', await busyboxImage());
    await pushImage(secured, 'private/busybox', '1', await busyboxImage('none'), { username: secured.username!, password: secured.password! });
    kiln = await startKiln({ KILN_WORKER: 'embedded', KILN_INSECURE_REGISTRIES: open.host, KILN_REGISTRY_CA_FILES: secured.caCertPath! });
  });
  after(async () => {
    await kiln?.close();
    await open?.stop();
    await secured?.stop();
  });

  test('a finished build retried becomes a new build of the same template that runs to ready', async () => {
    const original = await waitForBuild(kiln, (await start(kiln, { name: 'again', base_image: `${open.host}/kiln/busybox:1` })).build_id);
    assert.equal(original.status, 'ready', JSON.stringify(original.log_entries));
    const res = await retry(kiln, original.build_id, { tags: ['second'] });
    assert.equal(res.status, 202, res.text);
    const b = await waitForBuild(kiln, res.body.build_id);
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
    assert.equal(b.template_id, original.template_id);
    assert.equal(b.triggered_by, `retry:${original.build_id}`);
    assert.equal(b.attempt, 1);
    assert.deepEqual(b.tags, ['second']);
    assert.equal(b.log_entries[0].kind, 'start');
    assert.equal(b.log_entries.at(-1).result, 'ready');
  });

  test('a private image: the retry demands fresh credentials, and with them it runs; the password is kept nowhere', async () => {
    const creds = [{ registry: secured.host, auth: { username: secured.username, password: secured.password } }];
    const original = await waitForBuild(kiln, (await start(kiln, { name: 'private', base_image: `${secured.host}/private/busybox:1`, registry_auth: creds })).build_id);
    assert.equal(original.status, 'ready', JSON.stringify(original.log_entries));
    const denied = await retry(kiln, original.build_id);
    assert.equal(denied.status, 400, denied.text);
    assert.equal(denied.body.code, 'retry_requires_credentials');
    assert.ok(denied.body.message.includes(secured.host));
    const res = await retry(kiln, original.build_id, { registry_auth: creds });
    assert.equal(res.status, 202, res.text);
    const b = await waitForBuild(kiln, res.body.build_id);
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
    assert.equal(b.requires_base_image_auth, true);
    assert.deepEqual(await filesContaining(kiln.dataDir, secured.password!), []);
  });

  test('a build that failed for want of credentials is retried with them and succeeds', async () => {
    const failed = await waitForBuild(kiln, (await start(kiln, { name: 'forgot-creds', base_image: `${secured.host}/private/busybox:1` })).build_id);
    assert.equal(failed.status, 'error');
    assert.equal(failed.error_detail.code, 'registry_auth_failed');
    const res = await retry(kiln, failed.build_id, { base_image_auth: { username: secured.username, password: secured.password } });
    assert.equal(res.status, 202, res.text);
    const b = await waitForBuild(kiln, res.body.build_id);
    assert.equal(b.status, 'ready', JSON.stringify(b.log_entries));
    assert.deepEqual(await filesContaining(kiln.dataDir, secured.password!), []);
  });
});
