import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { stepsToDockerfile, MAX_STEPS } from './steps-to-dockerfile.ts';

/** Converts steps on debian:12 and returns the generated lines after FROM, failing on any problem. */
function lines(...steps: unknown[]): string[] {
  const r = stepsToDockerfile('debian:12', steps);
  assert.deepEqual(r.problems, []);
  const all = r.dockerfile.split('\n');
  assert.equal(all[0], 'FROM debian:12');
  assert.equal(all.at(-1), '');
  return all.slice(1, -1);
}

/** Converts steps and returns the problems' fields and messages. */
function problems(steps: unknown, base = 'debian:12'): Array<{ field?: string; message: string }> {
  const r = stepsToDockerfile(base, steps);
  assert.equal(r.dockerfile, '');
  for (const p of r.problems) assert.equal(p.phase, 'request');
  return r.problems.map((p) => ({ field: p.field, message: p.message }));
}

/** Converts one step and returns the fields of its problems. */
function fields(step: unknown): string[] {
  return problems([step]).map((p) => p.field ?? '');
}

describe('generated lines for each kind', () => {
  test('run: shell string verbatim, multi-line or risky strings as /bin/sh -c exec form, arrays as exec form', () => {
    assert.deepEqual(lines({ type: 'run', command: 'make && make install' }), ['RUN make && make install']);
    assert.deepEqual(lines({ type: 'run', command: 'set -e\nif true; then\n  echo "$HOME"\nfi' }),
      ['RUN ["/bin/sh", "-c", "set -e\\nif true; then\\n  echo \\"$HOME\\"\\nfi"]']);
    assert.deepEqual(lines({ type: 'run', command: 'echo hi \\' }), ['RUN ["/bin/sh", "-c", "echo hi \\\\"]']);
    assert.deepEqual(lines({ type: 'run', command: '--network=host id' }), ['RUN ["/bin/sh", "-c", "--network=host id"]']);
    assert.deepEqual(lines({ type: 'run', command: '["id"]' }), ['RUN ["/bin/sh", "-c", "[\\"id\\"]"]']);
    assert.deepEqual(lines({ type: 'run', command: 'cat <<EOF' }), ['RUN ["/bin/sh", "-c", "cat \\u003c\\u003cEOF"]']);
    assert.deepEqual(lines({ type: 'run', command: ['python3', '-c', 'print("a b")'] }), ['RUN ["python3", "-c", "print(\\"a b\\")"]']);
  });

  test('run with user: switches and switches back, warning when the previous user is the default', () => {
    const r = stepsToDockerfile('debian:12', [{ type: 'run', command: 'id', user: 'app' }]);
    assert.equal(r.dockerfile, 'FROM debian:12\nUSER app\nRUN id\nUSER root\n');
    assert.deepEqual(r.step_lines, [[2, 3, 4]]);
    assert.match(r.warnings[0], /^steps\[0\] runs as "app" and then switches back to root/);
    assert.deepEqual(lines({ type: 'user', user: 'app' }, { type: 'run', command: 'id', user: '0:0' }, { type: 'run', command: 'id', user: 'app' }),
      ['USER app', 'USER 0:0', 'RUN id', 'USER app', 'RUN id']);
  });

  test('copy and add: JSON form, --chown and --chmod, directory destination for several sources', () => {
    assert.deepEqual(lines({ type: 'copy', src: 'app.py', dest: '/srv/app.py' }), ['COPY ["app.py", "/srv/app.py"]']);
    assert.deepEqual(lines({ type: 'copy', src: ['a b', './c//d'], dest: '/srv', user: 'app:app', mode: '755' }),
      ['COPY --chown=app:app --chmod=0755 ["a b", "c/d", "/srv/"]']);
    assert.deepEqual(lines({ type: 'copy', src: '$HOME"\'', dest: '/x', mode: 0o644 }), ['COPY --chmod=0644 ["\\\\$HOME\\\\\\"\\\\\'", "/x"]']);
    assert.deepEqual(lines({ type: 'add', src: ['https://example.com/a.tgz', 'b.tar'], dest: '/opt/' }),
      ['ADD ["https://example.com/a.tgz", "b.tar", "/opt/"]']);
  });

  test('env, arg, workdir, user', () => {
    assert.deepEqual(lines({ type: 'env', envs: { PATH: '/opt/bin:$PATH', Q: 'say "hi" \\ \'x\'', EMPTY: '' } }),
      ['ENV PATH="/opt/bin:\\$PATH" Q="say \\"hi\\" \\\\ \'x\'" EMPTY=""']);
    assert.deepEqual(lines({ type: 'arg', name: 'VERSION' }, { type: 'arg', name: 'V2', default: '$x' }), ['ARG VERSION', 'ARG V2="\\$x"']);
    assert.deepEqual(lines({ type: 'workdir', path: '/srv//my app/./$x/' }), ['WORKDIR /srv/my app/\\$x/']);
    assert.deepEqual(lines({ type: 'user', user: '1000:1000' }), ['USER 1000:1000']);
  });

  test('package installs', () => {
    assert.deepEqual(lines({ type: 'apt_install', packages: ['curl', 'libssl3:amd64=3.0.11-1~deb12u2'] }),
      ["RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y curl 'libssl3:amd64=3.0.11-1~deb12u2' && rm -rf /var/lib/apt/lists/*"]);
    assert.deepEqual(lines({ type: 'apt_install', packages: ['g++'], no_install_recommends: true }),
      ['RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*']);
    assert.deepEqual(lines({ type: 'pip_install', packages: ['numpy', 'requests[socks]>=2.31,<3'], index_url: 'https://pypi.example.com/simple' }),
      ["RUN pip install --no-cache-dir --index-url https://pypi.example.com/simple numpy 'requests[socks]>=2.31,<3'"]);
    assert.deepEqual(lines({ type: 'npm_install', packages: ['typescript@5.9', '@types/node@>=24 <25'], global: true }),
      ["RUN npm install -g typescript@5.9 '@types/node@>=24 <25'"]);
    assert.deepEqual(lines({ type: 'npm_install', packages: ['left-pad'] }), ['RUN npm install left-pad']);
  });

  test('git_clone, make_dir, make_symlink, remove, rename', () => {
    assert.deepEqual(lines({ type: 'git_clone', url: 'https://github.com/org/repo.git', path: '/src/repo', branch: 'release/1.x', depth: 1 }),
      ['RUN git clone --branch release/1.x --depth 1 -- https://github.com/org/repo.git /src/repo']);
    assert.deepEqual(lines({ type: 'git_clone', url: 'git@github.com:org/repo.git', path: 'repo' }),
      ['RUN git clone -- git@github.com:org/repo.git repo']);
    assert.deepEqual(lines({ type: 'make_dir', path: '/data/x y', mode: '0750' }), ["RUN mkdir -p -m 0750 -- '/data/x y'"]);
    assert.deepEqual(lines({ type: 'make_dir', path: 'rel' }), ['RUN mkdir -p -- rel']);
    assert.deepEqual(lines({ type: 'make_symlink', target: '/usr/bin/python3', path: '/usr/local/bin/python' }),
      ['RUN ln -sfn -- /usr/bin/python3 /usr/local/bin/python']);
    assert.deepEqual(lines({ type: 'remove', path: '-rf' }, { type: 'remove', path: "/tmp/it's", recursive: true }),
      ['RUN rm -f -- ./-rf', "RUN rm -f -r -- '/tmp/it'\\''s'"]);
    assert.deepEqual(lines({ type: 'rename', from: '/a', to: '/b c' }), ["RUN mv -- /a '/b c'"]);
  });

  test('the upper-case form: RUN per arg, COPY with filesHash, ENV pairs, WORKDIR, USER, CMD', () => {
    const r = stepsToDockerfile('python:3.11-slim', [
      { type: 'RUN', args: ['pip install pandas', 'echo done'] },
      { type: 'COPY', args: ['/app'], filesHash: 'sha256:0123abcd' },
      { type: 'COPY', args: ['a', 'b', '/dst'] },
      { type: 'ENV', args: ['PYTHONUNBUFFERED=1', 'X=a=b $c'] },
      { type: 'WORKDIR', args: ['/workspace'] },
      { type: 'USER', args: ['1000'] },
      { type: 'CMD', args: ['python', 'app.py'] },
    ], { startCmd: 'python server.py' });
    assert.deepEqual(r.problems, []);
    assert.equal(r.dockerfile, [
      'FROM python:3.11-slim', 'RUN pip install pandas', 'RUN echo done', 'COPY [".", "/app"]', 'COPY ["a", "b", "/dst/"]',
      'ENV PYTHONUNBUFFERED="1" X="a=b \\$c"', 'WORKDIR /workspace', 'USER 1000', 'CMD ["python", "app.py"]', '',
    ].join('\n'));
    assert.deepEqual(r.step_lines, [[2, 3], [4], [5], [6], [7], [8], [9]]);
    assert.deepEqual(r.files_hashes, [{ step: 1, files_hash: 'sha256:0123abcd' }]);
    assert.ok(!r.dockerfile.includes('server.py'), 'startCmd is carried by the caller, not written');
  });

  test('no steps gives just FROM', () => {
    const r = stepsToDockerfile('ubuntu:22.04', []);
    assert.deepEqual([r.dockerfile, r.step_lines, r.problems], ['FROM ubuntu:22.04\n', [], []]);
  });
});

describe('rejections, with field paths', () => {
  test('top level: steps not an array, too many steps, bad base image', () => {
    assert.deepEqual(problems(null).map((p) => p.field), ['steps']);
    assert.deepEqual(problems({ type: 'run' }).map((p) => p.field), ['steps']);
    const many = problems(Array.from({ length: MAX_STEPS + 1 }, () => ({ type: 'run', command: 'true' })));
    assert.equal(many.length, 1);
    assert.match(many[0].message, /at most 1000/);
    for (const base of ['', 'debian:12\nRUN id', '--platform=x debian', 'Debian', '$BASE', 'debian 12']) {
      assert.deepEqual(problems([], base).map((p) => p.field), ['base_image'], base);
    }
    assert.deepEqual(stepsToDockerfile('ghcr.io:443/org/img:v1@sha256:' + 'a'.repeat(64), []).problems, []);
  });

  test('step shape: not an object, no type, unknown type, extra and missing fields, wrong types', () => {
    assert.deepEqual(problems([null, [], 'run', { command: 'x' }, { type: 7 }, { type: 'Run' }]).map((p) => p.field),
      ['steps[0]', 'steps[1]', 'steps[2]', 'steps[3].type', 'steps[4].type', 'steps[5].type']);
    assert.deepEqual(fields({ type: 'run', command: 'x', extra: 1, user: 5 }), ['steps[0].extra', 'steps[0].user']);
    assert.deepEqual(fields({ type: 'run' }), ['steps[0].command']);
    assert.deepEqual(fields({ type: 'run', command: 3 }), ['steps[0].command']);
    assert.deepEqual(fields({ type: 'run', command: [] }), ['steps[0].command']);
    assert.deepEqual(fields({ type: 'run', command: ['', 'x'] }), ['steps[0].command[0]']);
    assert.deepEqual(fields({ type: 'run', command: '   ' }), ['steps[0].command']);
    assert.deepEqual(fields({ type: 'copy', src: [], dest: 5, mode: '8' }), ['steps[0].src', 'steps[0].dest', 'steps[0].mode']);
    assert.deepEqual(fields({ type: 'copy', src: ['a', 1], dest: '/d', mode: 4096 }), ['steps[0].src[1]', 'steps[0].mode']);
    assert.deepEqual(fields({ type: 'env', envs: [] }), ['steps[0].envs']);
    assert.deepEqual(fields({ type: 'env', envs: {} }), ['steps[0].envs']);
    assert.deepEqual(fields({ type: 'env', envs: { '1X': 'a', OK: 2, N: null } }), ['steps[0].envs["1X"]', 'steps[0].envs["OK"]', 'steps[0].envs["N"]']);
    assert.deepEqual(fields({ type: 'arg', name: 'a-b', default: 1 }), ['steps[0].name', 'steps[0].default']);
    assert.deepEqual(fields({ type: 'apt_install', packages: 'curl', no_install_recommends: 'yes' }), ['steps[0].packages', 'steps[0].no_install_recommends']);
    assert.deepEqual(fields({ type: 'git_clone', url: 'https://h/r', path: '/p', depth: 0 }), ['steps[0].depth']);
    assert.deepEqual(fields({ type: 'git_clone', url: 'https://h/r', path: '/p', depth: 1.5 }), ['steps[0].depth']);
    assert.deepEqual(fields({ type: 'npm_install', packages: ['x'], global: 1 }), ['steps[0].global']);
    assert.deepEqual(fields({ type: 'remove', path: '/', recursive: true }), ['steps[0].path']);
    assert.deepEqual(fields({ type: 'remove', path: '//./' }), ['steps[0].path']);
  });

  test('every problem of every step is reported in one pass', () => {
    const p = problems([
      { type: 'apt_install', packages: ['ok', 'Bad', 'x;y'] },
      { type: 'pip_install', packages: ['-r/etc/passwd'], index_url: 'ftp://x' },
      { type: 'bogus' },
    ]);
    assert.deepEqual(p.map((x) => x.field), [
      'steps[0].packages[1]', 'steps[0].packages[2]', 'steps[1].packages[0]', 'steps[1].index_url', 'steps[2].type',
    ]);
    assert.ok(p.every((x) => x.message.startsWith(`${x.field} `)));
  });

  test('the upper-case form', () => {
    assert.deepEqual(fields({ type: 'RUN', args: [] }), ['steps[0].args']);
    assert.deepEqual(fields({ type: 'RUN', args: ['ok', 'bad\u0000'] }), ['steps[0].args[1]']);
    assert.deepEqual(fields({ type: 'RUN', args: ['x'], filesHash: 'h' }), ['steps[0].filesHash']);
    assert.deepEqual(fields({ type: 'COPY', args: ['/app'] }), ['steps[0].args']);
    assert.deepEqual(fields({ type: 'COPY', args: ['/app'], filesHash: 'bad hash' }), ['steps[0].filesHash', 'steps[0].args']);
    assert.deepEqual(fields({ type: 'COPY', args: ['../etc/passwd', '/x'] }), ['steps[0].args[0]']);
    assert.deepEqual(fields({ type: 'ENV', args: ['NOEQUALS', '1A=x', 'OK=1'] }), ['steps[0].args[0]', 'steps[0].args[1]']);
    assert.deepEqual(fields({ type: 'WORKDIR', args: ['/a', '/b'] }), ['steps[0].args']);
    assert.deepEqual(fields({ type: 'USER', args: ['root; id'] }), ['steps[0].args[0]']);
    assert.deepEqual(fields({ type: 'CMD', args: ['', 'x'] }), ['steps[0].args[0]']);
    assert.deepEqual(fields({ type: 'CMD', args: 'python' }), ['steps[0].args']);
  });

  test('steps that would be unsafe are refused with the reason', () => {
    const p = problems([{ type: 'copy', src: '../secret', dest: '/x' }, { type: 'add', src: 'ftp://h/x', dest: '/x' }]);
    assert.match(p[0].message, /climbs out of the build context/);
    assert.equal(p[1].field, 'steps[1].src');
    assert.match(p[1].message, /only http:\/\/ or https:\/\//);
    assert.deepEqual(fields({ type: 'copy', src: 'https://example.com/x', dest: '/x' }), ['steps[0].src']);
  });
});
