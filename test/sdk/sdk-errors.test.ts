/**
 * The SDK's error classes against a real Kiln server (no worker): what a wrong key, a server that is
 * not running, an unknown id, a malformed request and a refused context throw; every code of the
 * server's catalogue maps to a class; and the built package runs on Node 20.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AuthenticationError, ConnectionError, ContextError, KilnError, NotFoundError, Template, TemplateBuild, ValidationError,
} from '../../packages/sdk/src/index.ts';
import { ERROR_CLASS_BY_CODE } from '../../packages/sdk/src/errors.ts';
import { ERROR_CODES } from '../../packages/server/src/errors/codes.ts';
import { KEY_A, startKiln, type KilnFixture } from '../fixtures/kiln-server.ts';

let kiln: KilnFixture;
let scratch: string;
before(async () => {
  kiln = await startKiln();
  scratch = await mkdtemp(path.join(tmpdir(), 'kiln-sdk-errors-'));
});
after(async () => {
  await kiln?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('SDK errors', () => {
  test('every code of the server\'s catalogue maps to an error class', () => {
    const unmapped = Object.keys(ERROR_CODES).filter((code) => !ERROR_CLASS_BY_CODE.has(code));
    assert.deepEqual(unmapped, []);
  });

  test('a wrong or missing key, a server that is not running and an unknown build each throw their class', async () => {
    await assert.rejects(TemplateBuild.connect('tb_x', { apiKey: 'wrong-key-0123456789abcdef', apiUrl: kiln.url }), (err: unknown) => {
      assert.ok(err instanceof AuthenticationError && err instanceof KilnError, String(err));
      assert.deepEqual([err.code, err.status], ['unauthorized', 401]);
      assert.match(err.requestId ?? '', /^req_/);
      return true;
    });
    const saved = process.env.KILN_API_KEY;
    delete process.env.KILN_API_KEY;
    try {
      await assert.rejects(Template.listBuilds('x', { apiUrl: kiln.url }), (err: unknown) => err instanceof AuthenticationError && /KILN_API_KEY/.test(err.message) && err.status === 0);
    } finally {
      if (saved !== undefined) process.env.KILN_API_KEY = saved;
    }
    const port = await closedPort();
    await assert.rejects(TemplateBuild.connect('tb_x', { apiKey: KEY_A, apiUrl: `http://127.0.0.1:${port}` }), (err: unknown) => {
      assert.ok(err instanceof ConnectionError, String(err));
      assert.equal(err.code, 'connection_failed');
      assert.match(err.message, new RegExp(`Cannot reach Kiln at http://127.0.0.1:${port} \\(ECONNREFUSED\\): is the server running\\?`));
      return true;
    });
    await assert.rejects(TemplateBuild.connect('tb_missing', { apiKey: KEY_A, apiUrl: kiln.url }), (err: unknown) => err instanceof NotFoundError && err.code === 'not_found' && err.status === 404);
    await assert.rejects(Template.listBuilds('no-such-template', { apiKey: KEY_A, apiUrl: kiln.url }), (err: unknown) => err instanceof NotFoundError && err.code === 'template_not_found');
  });

  test('a malformed request throws ValidationError with every problem; a refused context throws ContextError', async () => {
    const conn = { apiKey: KEY_A, apiUrl: kiln.url };
    await assert.rejects(Template.plan(Template.fromTemplate('kiln/busybox').aptInstall('-oops').makeDir('/x', { mode: '9' }), conn), (err: unknown) => {
      assert.ok(err instanceof ValidationError, String(err));
      assert.deepEqual(err.problems.map((p) => [p.code, p.field]), [['invalid_step', 'steps[0].packages[0]'], ['invalid_step', 'steps[1].mode']]);
      assert.deepEqual([err.code, err.status, err.phase], ['invalid_step', 400, 'request']);
      return true;
    });
    // d/up -> .. stays inside on its own, but x -> d/up/.. then leads above the root.
    const dir = path.join(scratch, 'escape');
    await mkdir(path.join(dir, 'd'), { recursive: true });
    await writeFile(path.join(dir, 'file.txt'), 'x');
    await symlink('..', path.join(dir, 'd/up'));
    await symlink('d/up/..', path.join(dir, 'x'));
    const t = Template.fromTemplate('kiln/busybox').copy('file.txt', '/file.txt');
    assert.deepEqual((await Template.inspectBuildContext(t, { contextPath: dir })).unsupported, []);
    await assert.rejects(Template.buildInBackground(t, 'sdk-escape', { ...conn, contextPath: dir }), (err: unknown) => {
      assert.ok(err instanceof ContextError && err instanceof ValidationError, String(err));
      assert.equal(err.code, 'archive_path_escape');
      assert.match(err.message, /x -> d\/up\/\.\. leads outside the build context/);
      return true;
    });
    await assert.rejects(Template.inspectBuildContext(t, { contextPath: path.join(dir, 'file.txt') }), ContextError);
  });

  test('the built package (ESM with types) runs on Node 20 and talks to the server', async (t) => {
    const node20 = ['/usr/bin/node', '/usr/local/bin/node'].find((bin) => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.startsWith('v20.'));
    if (!node20) {
      t.skip('no Node 20 on this machine');
      return;
    }
    const out = path.join(scratch, 'dist');
    const repo = path.resolve(import.meta.dirname, '../..');
    execFileSync(path.join(repo, 'node_modules/.bin/tsc'), ['-p', path.join(repo, 'packages/sdk/tsconfig.build.json'), '--outDir', out]);
    const script = path.join(scratch, 'smoke.mjs');
    await writeFile(script, [
      `import { Template, waitForPort, ValidationError } from ${JSON.stringify(path.join(out, 'index.js'))};`,
      `const t = Template.fromTemplate('kiln/busybox').runCmd('echo hi').setStartCmd('httpd -f -p 80', waitForPort(80));`,
      `const plan = await Template.plan(t, { apiKey: ${JSON.stringify(KEY_A)}, apiUrl: ${JSON.stringify(kiln.url)} });`,
      `let code = '';`,
      `try { await Template.plan(Template.fromImage('Bad Ref'), { apiKey: ${JSON.stringify(KEY_A)}, apiUrl: ${JSON.stringify(kiln.url)} }); } catch (e) { code = e instanceof ValidationError ? e.code : String(e); }`,
      `console.log(JSON.stringify({ node: process.version, start: plan.build_plan.start_cmd, code }));`,
    ].join('\n'));
    // Asynchronously: the server in this process must answer the child's requests.
    const { stdout } = await promisify(execFile)(node20, [script], { encoding: 'utf8' });
    const seen = JSON.parse(stdout);
    assert.match(seen.node, /^v20\./);
    assert.deepEqual([seen.start, seen.code], ['httpd -f -p 80', 'invalid_image_reference']);
  });
});
