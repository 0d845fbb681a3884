import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';

let kiln: KilnFixture;
before(async () => { kiln = await startKiln(); });
after(async () => { await kiln?.close(); });

async function plan(body: unknown) {
  const res = await kiln.request('POST', '/v1/templates/plan', { body });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

const DOCKERFILE = [
  '# syntax=docker/dockerfile:1',
  'ARG PY=3.12',
  'FROM python:${PY}-slim AS base',
  'ENV APP_HOME=/srv/app \\',
  '    PYTHONUNBUFFERED=1',
  'WORKDIR $APP_HOME',
  'RUN pip install flask',
  'EXPOSE 8000',
  'USER nobody',
  'HEALTHCHECK --interval=5s CMD curl -f http://localhost:8000/health || exit 1',
  'CMD ["python", "-m", "flask", "run"]',
  '',
].join('\n');

describe('plan', () => {
  test('returns the full plan response with backend and source type', async () => {
    const p = await plan({ name: 'py', dockerfile: DOCKERFILE });
    assert.equal(p.build_backend, 'buildkit');
    assert.equal(p.source_type, 'dockerfile');
    const bp = p.build_plan;
    assert.equal(bp.base_template, 'python:3.12-slim');
    assert.deepEqual(bp.run_steps, ['pip install flask']);
    assert.deepEqual(bp.env_assignments, [['APP_HOME', '/srv/app'], ['PYTHONUNBUFFERED', '1']]);
    assert.equal(bp.default_workdir, '/srv/app');
    assert.equal(bp.default_user, 'nobody');
    assert.equal(bp.start_cmd, 'python -m flask run');
    assert.equal(bp.readiness.kind, 'http');
    assert.equal(bp.readiness.port, 8000);
    assert.deepEqual(bp.ignored_instructions, ['EXPOSE']);
    assert.deepEqual(bp.ignored_instruction_warnings, [{ instruction: 'EXPOSE', line: 8 }]);
    assert.deepEqual(bp.build_envs, {});
    assert.ok(Array.isArray(bp.build_steps) && bp.build_steps.length >= 5);
    assert.match(p.source_digest, /^sha256:[0-9a-f]{64}$/);
    assert.match(p.dockerfile_digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(p.requires_base_image_auth, false);
    assert.ok(Array.isArray(p.warnings));
  });

  test('source_digest: equal requests are equal, any change differs, secrets never count', async () => {
    const base = { name: 'd', dockerfile: 'FROM debian:bookworm\nRUN --mount=type=secret,id=tok cat /run/secrets/tok\n' };
    const a = await plan({ ...base, build_secrets: [{ id: 'tok', value: 'one-secret' }] });
    const b = await plan({ ...base, build_secrets: [{ id: 'tok', value: 'another-secret' }] });
    assert.equal(a.source_digest, b.source_digest);
    const keyOrder = await plan({ build_secrets: [{ value: 'x', id: 'tok' }], dockerfile: base.dockerfile, name: 'd' });
    assert.equal(keyOrder.source_digest, a.source_digest);
    for (const change of [{ name: 'e' }, { tags: ['v2'] }, { build_args: { A: '1' } }, { dockerfile: base.dockerfile + 'RUN true\n' }, { build_config: { vcpus: 3 } }]) {
      const c = await plan({ ...base, ...change });
      assert.notEqual(c.source_digest, a.source_digest, JSON.stringify(change));
    }
    assert.ok(!JSON.stringify(a).includes('one-secret'));
  });

  test('declarative steps are converted, returned as a Dockerfile and planned', async () => {
    const p = await plan({
      name: 'steps', base_image: 'debian:bookworm',
      steps: [
        { type: 'apt_install', packages: ['curl', 'ca-certificates'] },
        { type: 'env', envs: { MODE: 'prod' } },
        { type: 'workdir', path: '/work' },
        { type: 'RUN', args: ['echo from the second platform'] },
      ],
      start_cmd: 'sleep infinity',
    });
    assert.equal(p.source_type, 'declarative');
    assert.equal(p.build_backend, 'native');
    assert.match(p.generated_dockerfile, /^FROM debian:bookworm\n/);
    assert.match(p.generated_dockerfile, /apt-get install -y/);
    assert.equal(p.build_plan.base_template, 'debian:bookworm');
    assert.equal(p.build_plan.default_workdir, '/work');
    assert.deepEqual(p.build_plan.env_assignments, [['MODE', 'prod']]);
    assert.equal(p.build_plan.start_cmd, 'sleep infinity');
    assert.equal(p.build_plan.run_steps.length, 2);
  });

  test('a step that would inject shell is refused with its field path', async () => {
    const res = await kiln.request('POST', '/v1/templates/plan', {
      body: { base_image: 'debian:bookworm', steps: [{ type: 'apt_install', packages: ['curl; rm -rf /'] }] },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'invalid_step');
    assert.equal(res.body.errors[0].field, 'steps[0].packages[0]');
  });

  test('an image alone is an oci_import; runtime_config and start_cmd override', async () => {
    const p = await plan({
      base_image: 'ubuntu:22.04', start_cmd: 'python3 -m http.server 8080',
      runtime_config: { user: 'ubuntu', workdir: '/home/ubuntu', envs: { A: '1' }, readiness: { kind: 'tcp', port: 8080 } },
    });
    assert.equal(p.source_type, 'oci_import');
    assert.equal(p.build_backend, 'native');
    assert.equal(p.build_plan.base_template, 'ubuntu:22.04');
    assert.equal(p.build_plan.default_user, 'ubuntu');
    assert.deepEqual(p.build_plan.env_assignments, [['A', '1']]);
    assert.deepEqual(p.build_plan.readiness, { kind: 'tcp', port: 8080, timeout_secs: 30, interval_ms: 500, startup_grace_secs: 0 });
    assert.equal(p.dockerfile_digest, null);
  });

  test('an invalid request is a 400 listing every problem', async () => {
    const res = await kiln.request('POST', '/v1/templates/plan', { body: { tags: [], build_backend: 'native', dockerfile: 'FROM x\n' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors.length, 2);
    assert.ok(res.body.message.includes('1 more problem'));
  });

  test('a base that names one of the tenant\'s templates is a template_base', async () => {
    const started = await kiln.request('POST', '/v1/templates/builds', { body: { name: 'mybase', base_image: 'debian:bookworm' } });
    assert.equal(started.status, 202);
    const p = await plan({ base_image: 'mybase', steps: [{ type: 'run', command: 'true' }] });
    assert.equal(p.source_type, 'template_base');
    const byId = await plan({ base_image: started.body.template_id });
    assert.equal(byId.source_type, 'template_base');
    const df = await plan({ dockerfile: 'FROM mybase:default\nRUN true\n' });
    assert.equal(df.source_type, 'dockerfile');
    assert.equal(df.build_plan.base_template, 'mybase:default');
    assert.ok(df.warnings.some((w: string) => w.includes('your template')));
  });
});
