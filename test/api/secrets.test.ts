import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln } from '../fixtures/kiln-server.ts';
import { filesContaining } from '../fixtures/search-dir.ts';

test('secret values and credentials never reach the data directory, responses or logs', async () => {
  const kiln = await startKiln({ KILN_LOG_LEVEL: 'debug' });
  const secrets = {
    secret: 'S3cr3t-build-secret-value-91a7',
    password: 'P4ssw0rd-registry-cred-5c2e',
    token: 'T0ken-base-image-auth-77d0',
    aws: 'AwsSecretAccessKey-e3f1',
  };
  try {
    const responses: string[] = [];
    const dockerfile = 'FROM ghcr.io/acme/base:1\nRUN --mount=type=secret,id=npmrc cat /run/secrets/npmrc\n';
    for (const path of ['/v1/templates/validate', '/v1/templates/plan', '/v1/templates/builds']) {
      const res = await kiln.request('POST', path, {
        body: {
          name: 'secretive', dockerfile,
          build_secrets: [{ id: 'npmrc', value: secrets.secret }],
          registry_auth: [{ registry: 'ghcr.io', auth: { username: 'bot', password: secrets.password } }],
          base_image_auth: { token: secrets.token },
        },
      });
      assert.ok(res.status < 300, res.text);
      responses.push(res.text);
    }
    const imageBuild = await kiln.request('POST', '/v1/templates/builds', {
      body: { name: 'ecr', base_image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1', base_image_auth: { aws_access_key_id: 'AKIAEXAMPLE', aws_secret_access_key: secrets.aws, aws_region: 'eu-west-1' } },
    });
    assert.equal(imageBuild.status, 202, imageBuild.text);
    responses.push(imageBuild.text);
    // Errors must not echo secrets either.
    const bad = await kiln.request('POST', '/v1/templates/builds', {
      body: { name: 'bad', base_image: 'debian:bookworm', build_secrets: [{ id: 'x', value: secrets.secret }] },
    });
    assert.equal(bad.status, 400);
    responses.push(bad.text);
    const got = await kiln.request('GET', `/v1/templates/builds/${JSON.parse(responses[2]).build_id}`);
    responses.push(got.text);
    assert.equal(got.body.requires_base_image_auth, true);

    await kiln.server.close();
    for (const value of Object.values(secrets)) {
      assert.deepEqual(await filesContaining(kiln.dataDir, value), [], `${value} found in the data directory`);
      for (const r of responses) assert.ok(!r.includes(value), `${value} found in a response`);
    }
  } finally {
    await kiln.close().catch(() => {});
  }
});
