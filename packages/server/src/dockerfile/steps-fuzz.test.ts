import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { ERROR_CODES } from '../errors/codes.ts';
import { stepsToDockerfile } from './steps-to-dockerfile.ts';
import { StepSchema } from './steps-schema.ts';
import { readInstructions } from './steps-test-checker.ts';
import { verifyStep } from './steps-test-verify.ts';
import { prng } from '../testing/seeded-rng.ts';


const rand = prng(0x6b696c6e);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const ALPHABET = [...'abcXYZ019 _-./:=@+~^*?[]{}()<>|&;$`\'"\\#!%,\n\r\t', '\u0000', 'ü', '☃', '😀', '\u2028', '\ud800'];

/** A random string, mostly short, from an alphabet rich in shell and Dockerfile syntax. */
function junkString(): string {
  return Array.from({ length: int(12) }, () => pick(ALPHABET)).join('');
}

/** A random JSON value, nested a little. */
function junk(depth = 0): unknown {
  switch (int(depth > 2 ? 5 : 7)) {
    case 0: return null;
    case 1: return rand() * 1e6 - 5e5;
    case 2: return rand() < 0.5;
    case 3: case 4: return junkString();
    case 5: return Array.from({ length: int(4) }, () => junk(depth + 1));
    default: return Object.fromEntries(Array.from({ length: int(4) }, () => [junkString(), junk(depth + 1)]));
  }
}

/** Plausible valid values per field role. */
const POOLS: Record<string, unknown[]> = {
  command: ['true', 'echo "$HOME" && ls -la', 'set -e\nmake', ['echo', 'a b'], 'cat <<EOF', 'x \\'],
  user: ['app', '1000', 'app:app', '0:0'],
  path: ['/app', 'rel/dir', '/a b/c', "it's", '-rf', '/x/./y//z/', '$HOME/x', 'a"b'],
  src: ['a', ['a', 'b c'], './x', 'dir/'],
  mode: ['0755', '644', 493, 0, '7777'],
  envs: [{ A: 'x' }, { PATH: '/x:$PATH', Q: 'say "hi" \\' }],
  name: ['VERSION', '_x'],
  default: ['1.0', '$x "y"', ''],
  apt: [['curl'], ['g++', 'libc6:amd64=2.36-9']],
  pip: [['requests'], ['a[b]>=1,<2', 'numpy==1.*']],
  npm: [['typescript'], ['@types/node@^24', 'x@>=1 <2']],
  url: ['https://github.com/a/b.git', 'git@h:a/b.git', 'ssh://h:22/r'],
  index_url: ['https://pypi.org/simple'],
  branch: ['main', 'release/1.x'],
  depth: [1, 50],
  bool: [true, false],
  args: [['echo hi', 'ls'], ['A=1'], ['/w'], ['python', 'app.py']],
};

/** Field roles per step type (`?` marks optional fields). */
const KINDS: Record<string, string[]> = {
  run: ['command:command', 'user?:user'], copy: ['src:src', 'dest:path', 'user?:user', 'mode?:mode'],
  add: ['src:src', 'dest:path', 'user?:user', 'mode?:mode'], env: ['envs:envs'], arg: ['name:name', 'default?:default'],
  workdir: ['path:path'], user: ['user:user'], apt_install: ['packages:apt', 'no_install_recommends?:bool'],
  pip_install: ['packages:pip', 'index_url?:index_url'], npm_install: ['packages:npm', 'global?:bool'],
  git_clone: ['url:url', 'path:path', 'branch?:branch', 'depth?:depth'], make_dir: ['path:path', 'mode?:mode'],
  make_symlink: ['target:path', 'path:path'], remove: ['path:path', 'recursive?:bool'], rename: ['from:path', 'to:path'],
  RUN: ['args:args'], WORKDIR: ['args:args'], USER: ['args:args'], ENV: ['args:args'], CMD: ['args:args'], COPY: ['args:args'],
};

/** A random step: usually well-formed with mostly valid values, sometimes broken in one of several ways. */
function randomStep(): unknown {
  if (rand() < 0.05) return junk();
  const type = rand() < 0.03 ? junkString() : pick(Object.keys(KINDS));
  const step: Record<string, unknown> = { type };
  for (const spec of KINDS[type] ?? []) {
    const [field, role] = spec.split(':');
    const optional = field.endsWith('?');
    const key = optional ? field.slice(0, -1) : field;
    if (optional && rand() < 0.5) continue;
    if (!optional && rand() < 0.02) continue;
    const r = rand();
    step[key] = r < 0.85 ? structuredClone(pick(POOLS[role])) : r < 0.95 ? junkString() : junk();
  }
  if (rand() < 0.03) step[junkString()] = junk();
  return step;
}

test('thousands of random step arrays: never throws, problems are well-formed, accepted ones round-trip', () => {
  let accepted = 0;
  let refused = 0;
  for (let round = 0; round < 4000; round++) {
    const steps: unknown = rand() < 0.02 ? junk() : Array.from({ length: int(9) }, randomStep);
    const base = rand() < 0.03 ? junkString() : 'debian:12';
    const r = stepsToDockerfile(base, steps);
    const label = `round ${round}: ${JSON.stringify(steps)}`;
    if (r.problems.length > 0) {
      refused++;
      assert.equal(r.dockerfile, '', label);
      for (const p of r.problems) {
        assert.ok(p.code in ERROR_CODES, label);
        assert.equal(p.phase, 'request', label);
        assert.ok(p.field === 'base_image' || p.field === 'steps' || /^steps\[\d+\]/.test(p.field ?? ''), `${label}: ${p.field}`);
        assert.ok(p.message.startsWith(`${p.field} `), `${label}: ${p.message}`);
      }
      continue;
    }
    accepted++;
    const list = steps as Array<Record<string, unknown>>;
    assert.equal(r.step_lines.length, list.length, label);
    let ins: ReturnType<typeof readInstructions> = [];
    try { ins = readInstructions(r.dockerfile); } catch (e) { assert.fail(`${label}: ${(e as Error).message}\n${r.dockerfile}`); }
    assert.equal(ins.length, 1 + r.step_lines.reduce((n, l) => n + l.length, 0), `${label}\n${r.dockerfile}`);
    assert.deepEqual(ins.map((i) => i.line), [1, ...r.step_lines.flat()], label);
    assert.equal(ins[0].rest, base, label);
    list.forEach((step, i) => {
      assert.ok(Value.Check(StepSchema, step), `${label}: step ${i} accepted by the converter but not by StepSchema`);
      try { verifyStep(step, ins.filter((x) => r.step_lines[i].includes(x.line))); } catch (e) {
        assert.fail(`${label}: step ${i}: ${(e as Error).message}\n${r.dockerfile}`);
      }
    });
  }
  assert.ok(accepted > 400 && refused > 400, `accepted ${accepted}, refused ${refused}`);
});

test('huge and deeply nested inputs are refused without throwing', () => {
  const huge = stepsToDockerfile('debian:12', Array.from({ length: 100_000 }, () => ({ type: 'run', command: 'x' })));
  assert.deepEqual(huge.problems.map((p) => p.field), ['steps']);
  let nested: unknown = 'x';
  for (let i = 0; i < 10_000; i++) nested = [nested];
  const deep = stepsToDockerfile('debian:12', [{ type: 'apt_install', packages: nested }, { type: 'env', envs: { A: nested } }]);
  assert.deepEqual(deep.problems.map((p) => p.field), ['steps[0].packages[0]', 'steps[1].envs["A"]']);
  const many = stepsToDockerfile('debian:12', [{ type: 'apt_install', packages: Array.from({ length: 5000 }, () => 'curl') }]);
  assert.deepEqual(many.problems.map((p) => p.field), ['steps[0].packages']);
  for (const v of [undefined, 0, 'steps', true, {}, Symbol.iterator]) {
    assert.equal(stepsToDockerfile('debian:12', v).problems[0].field, 'steps');
  }
});
