import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';
import { seededRng, type Rng } from '../../packages/server/src/testing/seeded-rng.ts';
import { ERROR_CODES } from '../../packages/server/src/errors/codes.ts';

const CORPUS_DIR = path.resolve(import.meta.dirname, '../corpus/dockerfiles');
const corpus = readdirSync(CORPUS_DIR).sort().map((f) => readFileSync(path.join(CORPUS_DIR, f), 'utf8'));
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

let kiln: KilnFixture;
before(async () => { kiln = await startKiln({ KILN_BODY_LIMIT_BYTES: String(4 * 1024 * 1024) }); });
after(async () => { await kiln?.close(); });

const TOKENS = ['\\', '\n', '${', '}', '<<EOF\n', 'EOF', '"', "'", '[', ']', '#', ' AS ', 'FROM ', '--mount=type=secret,id=', '\u0000', '\uFFFD', '$'];

function mutateText(rng: Rng, text: string): string {
  let s = text;
  const rounds = 1 + rng.int(6);
  for (let i = 0; i < rounds; i++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(5)) {
      case 0: s = s.slice(0, at) + rng.pick(TOKENS) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + rng.int(40)); break;
      case 2: s = s.slice(0, at); break;
      case 3: { const lines = s.split('\n'); const l = rng.int(lines.length); lines.splice(l, 0, lines[l] ?? ''); s = lines.join('\n'); break; }
      default: s = s.slice(0, at) + String.fromCharCode(rng.int(0x2fff)) + s.slice(at + 1);
    }
  }
  return s;
}

const FIELD_VALUES: unknown[] = [null, 0, -1, 1e308, '', 'x', true, [], {}, [''], { a: 1 }, 'a'.repeat(5000), [null], { type: 'run' }];
const FIELDS = ['name', 'alias', 'tags', 'steps', 'build_envs', 'start_cmd', 'build_context', 'build_config', 'build_backend',
  'dockerfile_path', 'build_args', 'build_target', 'runtime_config', 'base_image_auth', 'registry_auth', 'build_secrets', 'skip_cache', 'claim_token', 'base_image'];

function mutateBody(rng: Rng): unknown {
  const body: Record<string, unknown> = rng.int(2) ? { dockerfile: mutateText(rng, rng.pick(corpus)) } : { base_image: 'debian:bookworm' };
  for (let i = rng.int(4); i > 0; i--) body[rng.pick(FIELDS)] = rng.pick(FIELD_VALUES);
  if (rng.int(4) === 0) body.steps = [{ type: rng.pick(['run', 'apt_install', 'copy', 'RUN', 'bogus']), command: rng.pick(FIELD_VALUES), packages: rng.pick(FIELD_VALUES), args: rng.pick(FIELD_VALUES) }];
  return body;
}

function assertHandled(res: { status: number; body: any; text: string }, what: string) {
  assert.ok(res.status < 500, `${what} → ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400) {
    assert.ok(res.body && res.body.code in ERROR_CODES, `${what}: unknown code in ${res.text.slice(0, 200)}`);
    assert.ok(!/at .+\.ts:\d+/.test(res.text), `${what}: a stack trace leaked`);
  }
}

test(`thousands of mutated Dockerfiles and bodies never give a 5xx (seed ${SEED})`, async () => {
  const rng = seededRng(SEED);
  const requests = 1200;
  for (let i = 0; i < requests; i += 8) {
    await Promise.all(Array.from({ length: 8 }, async () => {
      const body = rng.int(3) === 0 ? mutateBody(rng) : { dockerfile: mutateText(rng, rng.pick(corpus)) };
      const route = rng.int(2) ? '/v1/templates/plan' : '/v1/templates/validate';
      const res = await kiln.request('POST', route, { body });
      assertHandled(res, `${route} ${JSON.stringify(body).slice(0, 200)}`);
      if (route.endsWith('validate')) assert.equal(res.status, 200, res.text.slice(0, 300));
    }));
  }
});

test('malformed JSON, binary garbage, huge bodies and huge Dockerfiles get a 4xx with a code', async () => {
  const rng = seededRng(SEED + 1);
  for (let i = 0; i < 200; i++) {
    const bytes = new Uint8Array(1 + rng.int(300)).map(() => rng.int(256));
    const res = await kiln.request('POST', '/v1/templates/plan', { body: bytes, headers: { 'content-type': 'application/json' } });
    assertHandled(res, 'binary JSON body');
    assert.equal(res.status, 400);
  }
  const garbage = Buffer.from(Array.from({ length: 4096 }, () => rng.int(256))).toString('latin1');
  const g = await kiln.request('POST', '/v1/templates/validate', { body: { dockerfile: garbage } });
  assert.equal(g.status, 200);
  assert.equal(g.body.valid, false);

  const huge = await kiln.request('POST', '/v1/templates/plan', { body: { dockerfile: 'x'.repeat(5 * 1024 * 1024) } });
  assert.equal(huge.status, 413);
  assert.equal(huge.body.code, 'payload_too_large');

  const lines = ['FROM debian:bookworm'];
  for (let i = 0; i < 10_000; i++) lines.push(i % 3 ? `RUN echo step ${i}` : `ENV V${i}=${i}`);
  const long = await kiln.request('POST', '/v1/templates/plan', { body: { dockerfile: lines.join('\n') } });
  assert.equal(long.status, 200, long.text.slice(0, 300));
  assert.equal(long.body.build_plan.run_steps.length, 6666);

  const wrongType = await kiln.request('POST', '/v1/templates/plan', { body: 'name=x', headers: { 'content-type': 'text/plain' } });
  assert.equal(wrongType.status, 415);
  assert.equal(wrongType.body.code, 'unsupported_media_type');
});
