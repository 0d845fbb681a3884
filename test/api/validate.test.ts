import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

async function validate(body: unknown) {
  const res = await kiln.request('POST', '/v1/templates/validate', { body });
  assert.equal(res.status, 200, res.text);
  return res.body as { valid: boolean; errors: { code: string; message: string; phase: string; field?: string; line?: number }[]; warnings: string[] };
}

function codes(r: { errors: { code: string }[] }): string[] {
  return r.errors.map((e) => e.code).sort();
}

const DOCKERFILE = 'FROM debian:bookworm\nRUN echo hi\nCMD ["sleep", "infinity"]\n';

describe('validate', () => {
  test('a good request is valid with no errors', async () => {
    const r = await validate({ name: 'ok', dockerfile: DOCKERFILE });
    assert.deepEqual(r.errors, []);
    assert.equal(r.valid, true);
  });

  test('a body that is not JSON is a 400 invalid_json; a non-object JSON body is 200 invalid', async () => {
    const res = await kiln.request('POST', '/v1/templates/validate', { body: '{"name": ', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'invalid_json');
    for (const raw of ['[1,2]', 'null', '42', '"text"']) {
      const res2 = await kiln.request('POST', '/v1/templates/validate', { body: raw, headers: { 'content-type': 'application/json' } });
      assert.equal(res2.status, 200, raw);
      assert.equal(res2.body.valid, false);
      assert.equal(res2.body.errors[0].code, 'invalid_request');
    }
  });

  test('wrong types are all reported at once, each naming its field', async () => {
    const r = await validate({ name: 5, tags: 'x', build_config: { vcpus: 'two' }, skip_cache: 'yes', dockerfile: DOCKERFILE });
    assert.equal(r.valid, false);
    const fields = r.errors.map((e) => e.field).sort();
    assert.deepEqual(fields, ['build_config.vcpus', 'name', 'skip_cache', 'tags']);
    for (const e of r.errors) {
      assert.equal(e.code, 'invalid_request');
      assert.equal(e.phase, 'request');
      assert.ok(e.message.startsWith(e.field!), e.message);
    }
  });

  test('tags: an explicit empty array is invalid; bad and duplicate tags are named', async () => {
    assert.deepEqual(codes(await validate({ dockerfile: DOCKERFILE, tags: [] })), ['invalid_tags']);
    const r = await validate({ dockerfile: DOCKERFILE, tags: ['v1', '-bad', 'v1', 'tb_123'] });
    assert.equal(r.errors.filter((e) => e.code === 'invalid_tags').length, 3);
  });

  test('source and backend rules', async () => {
    assert.deepEqual(codes(await validate({})), ['missing_source']);
    assert.deepEqual(codes(await validate({ steps: [{ type: 'run', command: 'true' }] })), ['missing_base_image']);
    assert.deepEqual(codes(await validate({ dockerfile: DOCKERFILE, base_image: 'debian:bookworm' })), ['conflicting_sources']);
    assert.deepEqual(codes(await validate({ dockerfile: DOCKERFILE, build_backend: 'native' })), ['backend_mismatch']);
    assert.deepEqual(codes(await validate({ base_image: 'debian:bookworm', build_secrets: [{ id: 'a', value: 'b' }] })), ['secrets_require_buildkit']);
    assert.deepEqual(codes(await validate({ base_image: 'debian:bookworm', build_args: { A: '1' }, build_target: 'x' })), ['option_requires_buildkit', 'option_requires_buildkit']);
    assert.equal((await validate({ base_image: 'debian:bookworm', steps: [{ type: 'run', command: 'true' }] })).valid, true);
    assert.equal((await validate({ base_image: 'debian:bookworm' })).valid, true);
  });

  test('build_config limits', async () => {
    const r = await validate({ dockerfile: DOCKERFILE, build_config: { vcpus: 0, memory_mib: 10 ** 7, disk_mb: 1 } });
    assert.deepEqual(codes(r), ['build_config_out_of_range', 'build_config_out_of_range', 'build_config_out_of_range']);
    assert.ok(r.errors.every((e) => /must be from \d+ to \d+/.test(e.message)));
    assert.equal((await validate({ dockerfile: DOCKERFILE, build_config: { vcpus: 4, memory_mib: 4096, disk_mb: 20480, internet_access: false } })).valid, true);
  });

  test('registry_auth must name a registry the build pulls from; values never echo', async () => {
    const r = await validate({
      dockerfile: 'FROM ghcr.io/acme/base:1\nRUN true\n',
      registry_auth: [
        { registry: 'ghcr.io', auth: { username: 'u', password: 'hunter2-secret' } },
        { registry: 'quay.io', auth: { token: 'tok-secret-xyz' } },
      ],
    });
    assert.deepEqual(codes(r), ['registry_auth_mismatch']);
    assert.equal(r.errors[0].field, 'registry_auth[1].registry');
    assert.ok(!JSON.stringify(r).includes('secret'));
    assert.equal((await validate({ base_image: 'ubuntu:22.04', registry_auth: [{ registry: 'docker.io', auth: { username: 'u', password: 'p' } }] })).valid, true);
  });

  test('base_image_auth is refused for variable FROM and for several registries', async () => {
    const auth = { username: 'u', password: 'p' };
    const varFrom = await validate({ dockerfile: 'ARG IMG=debian:bookworm\nFROM $IMG\n', base_image_auth: auth });
    assert.deepEqual(codes(varFrom), ['base_image_auth_unsupported']);
    const two = await validate({ dockerfile: 'FROM ghcr.io/a/b:1 AS x\nFROM quay.io/c/d:2\nCOPY --from=x /a /a\n', base_image_auth: auth });
    assert.deepEqual(codes(two), ['base_image_auth_unsupported']);
    assert.equal((await validate({ dockerfile: 'FROM ghcr.io/a/b:1\nRUN true\n', base_image_auth: auth })).valid, true);
  });

  test('a bad Dockerfile gives errors with lines; an unknown build_target lists the stages', async () => {
    const r = await validate({ dockerfile: 'FROM debian:bookworm\nRUN true\nFROBNICATE now\n' });
    assert.deepEqual(codes(r), ['unsupported_instruction']);
    assert.equal(r.errors[0].line, 3);
    const t = await validate({ dockerfile: 'FROM debian:bookworm AS build\nFROM build AS final\n', build_target: 'nope' });
    assert.deepEqual(codes(t), ['unknown_build_target']);
    assert.match(t.errors[0].message, /build/);
  });

  test('COPY sources need a build context, named by line', async () => {
    const r = await validate({ dockerfile: 'FROM debian:bookworm\nCOPY app.py /app/\n' });
    assert.deepEqual(codes(r), ['context_source_missing']);
    assert.equal(r.errors[0].line, 2);
    const inline = await validate({
      dockerfile: 'FROM debian:bookworm\nCOPY app.py /app/\nCOPY missing.txt /x\n',
      build_context: { files: [{ path: 'app.py', content: 'print(1)\n' }] },
    });
    assert.deepEqual(codes(inline), ['context_source_missing']);
    assert.equal(inline.errors[0].line, 3);
  });

  test('validation never contacts a registry and unknown fields only warn', async () => {
    const r = await validate({ base_image: '127.0.0.1:1/nothing/here:1', surprise: true });
    assert.equal(r.valid, true);
    assert.ok(r.warnings.some((w) => w.includes('surprise')));
  });
});
