import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildInputs, locateDockerfile, nameFromDirectory, parseBuildArgs, parseSecrets } from './build-inputs.ts';
import { CliError, EXIT } from './cli-error.ts';

const usage = (pattern: RegExp) => (err: unknown) => err instanceof CliError && err.exitCode === EXIT.usage && pattern.test(err.message);

test('secrets come from an environment variable or a file, and a missing source is a usage error', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-inputs-'));
  try {
    await writeFile(path.join(dir, 'tok'), 'from-file');
    assert.deepEqual(parseSecrets(['a=TOKEN', `b=@${path.join(dir, 'tok')}`], { TOKEN: 'from-env' }), { a: 'from-env', b: 'from-file' });
    assert.equal(parseSecrets([]), undefined);
    assert.throws(() => parseSecrets(['a=UNSET'], {}), usage(/UNSET is not set/));
    assert.throws(() => parseSecrets([`a=@${path.join(dir, 'nope')}`], {}), usage(/cannot read .*nope \(ENOENT\)/));
    assert.throws(() => parseSecrets(['novalue'], {}), usage(/id=ENV_VAR or id=@file/));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('build args are KEY=VALUE, a bare KEY reads the environment', () => {
  assert.deepEqual(parseBuildArgs(['A=1', 'B=x=y', 'C'], { C: 'env' }), { A: '1', B: 'x=y', C: 'env' });
  assert.throws(() => parseBuildArgs(['D'], {}), usage(/D is not set/));
  assert.throws(() => parseBuildArgs(['=1'], {}), usage(/KEY=VALUE/));
});

test('a template name from a directory name: lowercase, other characters as -', () => {
  assert.equal(nameFromDirectory('/work/My Site'), 'my-site');
  assert.equal(nameFromDirectory('/work/py_3.12'), 'py_3.12');
  assert.equal(nameFromDirectory('/'), undefined);
});

test('a directory gives its Dockerfile (or --file) and is the context; a file\'s directory is the context', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-inputs-'));
  try {
    await mkdir(path.join(dir, 'app'));
    await writeFile(path.join(dir, 'app', 'Dockerfile'), 'FROM kiln/busybox\n');
    await writeFile(path.join(dir, 'app', 'Dockerfile.dev'), 'FROM kiln/busybox\nRUN true\n');
    const app = path.join(dir, 'app');
    assert.deepEqual(locateDockerfile(app), { dockerfilePath: path.join(app, 'Dockerfile'), contextPath: app });
    assert.deepEqual(locateDockerfile(app, 'Dockerfile.dev'), { dockerfilePath: path.join(app, 'Dockerfile.dev'), contextPath: app });
    assert.deepEqual(locateDockerfile(path.join(app, 'Dockerfile.dev')), { dockerfilePath: path.join(app, 'Dockerfile.dev'), contextPath: app });
    assert.throws(() => locateDockerfile(dir), usage(/no Dockerfile at/));
    assert.throws(() => locateDockerfile(path.join(dir, 'missing')), usage(/does not exist/));

    const inputs = buildInputs(app, { tag: ['v1', 'v2'], buildArg: ['A=1'], target: 'final', internet: false, skipCache: true, backend: 'buildkit' });
    assert.equal(inputs.name, 'app');
    assert.deepEqual(inputs.options, { contextPath: app, tags: ['v1', 'v2'], skipCache: true, resources: { internetAccess: false }, buildBackend: 'buildkit' });
    assert.throws(() => buildInputs(app, { backend: 'docker' }), usage(/native or buildkit/));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
