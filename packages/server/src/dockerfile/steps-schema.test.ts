import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { StepSchema, StepsSchema } from './steps-schema.ts';
import { STEP_TYPES } from './steps-to-dockerfile.ts';
import { LEGACY_STEP_TYPES } from './steps-parse-legacy.ts';

type Json = Record<string, unknown>;

/** Lists the JSON paths of object properties whose schema has no description. */
function undescribed(schema: Json, path: string): string[] {
  const out: string[] = [];
  for (const key of ['anyOf', 'allOf', 'oneOf']) {
    for (const [i, s] of ((schema[key] as Json[] | undefined) ?? []).entries()) out.push(...undescribed(s, `${path}.${key}[${i}]`));
  }
  for (const [name, prop] of Object.entries((schema.properties as Record<string, Json> | undefined) ?? {})) {
    if (typeof prop.description !== 'string' || prop.description === '') out.push(`${path}.${name}`);
    out.push(...undescribed(prop, `${path}.${name}`));
  }
  return out;
}

test('the union covers every step type and every property is described', () => {
  const members = (StepSchema as unknown as { anyOf: Json[] }).anyOf;
  const types = members.flatMap((m) => {
    const t = (m.properties as Record<string, Json>).type;
    return t.const !== undefined ? [t.const] : (t.anyOf as Json[]).map((x) => x.const);
  });
  assert.deepEqual(types.sort(), [...STEP_TYPES, ...LEGACY_STEP_TYPES].sort());
  assert.deepEqual(undescribed(StepSchema as unknown as Json, 'Step'), []);
  assert.equal(typeof StepSchema.description, 'string');
  assert.equal(typeof StepsSchema.description, 'string');
});

test('the schema accepts documented shapes and refuses unknown fields and wrong types', () => {
  const good = [
    { type: 'run', command: 'echo hi' }, { type: 'run', command: ['echo', 'hi'], user: 'app' },
    { type: 'copy', src: ['a'], dest: '/d', mode: '0755' }, { type: 'add', src: 'a', dest: '/d', mode: 493 },
    { type: 'env', envs: { A: '1' } }, { type: 'arg', name: 'V' }, { type: 'workdir', path: '/w' }, { type: 'user', user: '1000' },
    { type: 'apt_install', packages: ['curl'], no_install_recommends: true }, { type: 'pip_install', packages: ['x'], index_url: 'https://i/s' },
    { type: 'npm_install', packages: ['x'], global: false }, { type: 'git_clone', url: 'https://h/r', path: 'r', branch: 'b', depth: 1 },
    { type: 'make_dir', path: '/d' }, { type: 'make_symlink', target: '/t', path: '/p' }, { type: 'remove', path: '/p', recursive: true },
    { type: 'rename', from: '/a', to: '/b' }, { type: 'COPY', args: ['/app'], filesHash: 'sha256:ab' }, { type: 'CMD', args: ['python'] },
  ];
  for (const s of good) assert.ok(Value.Check(StepSchema, s), JSON.stringify(s));
  const bad = [
    { type: 'run' }, { type: 'run', command: 'x', extra: 1 }, { type: 'copy', src: [], dest: '/d' }, { type: 'copy', src: 'a', dest: '/d', mode: 4096 },
    { type: 'env', envs: { 'A B': 'x' } }, { type: 'env', envs: {} }, { type: 'git_clone', url: 'u', path: 'p', depth: 0 },
    { type: 'RUN', args: [] }, { type: 'BUILD', args: ['x'] }, { type: 'nope' }, null,
  ];
  for (const s of bad) assert.ok(!Value.Check(StepSchema, s), JSON.stringify(s));
  assert.ok(!Value.Check(StepsSchema, Array.from({ length: 1001 }, () => ({ type: 'run', command: 'x' }))));
});
