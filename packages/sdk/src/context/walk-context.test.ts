import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template } from '../template.ts';
import { contextDigest } from './context-digest.ts';
import { Dockerignore } from './dockerignore.ts';
import { tarStream } from './tar-writer.ts';
import { walkContext } from './walk-context.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let dir: string;
let socketServer: Server;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kiln-sdk-ctx-'));
  const put = async (rel: string, content: string, mode = 0o644) => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
    await chmod(path.join(dir, rel), mode);
  };
  await put('.dockerignore', '# build outputs\n*.log\nsecret.env\nnode_modules\ndocs\n!docs/keep.md\n/build/**/*.tmp\n');
  await put('app/main.py', 'print("hi")\n', 0o755);
  await put('app/debug.log', 'root-only pattern: kept below the root\n');
  await put('debug.log', 'noise\n');
  await put('secret.env', 'TOKEN=abc\n');
  await put('node_modules/left-pad/index.js', 'module.exports = 1\n');
  await put('docs/guide.md', '# guide\n');
  await put('docs/keep.md', '# keep\n');
  await put('build/a/b/x.tmp', 'tmp\n');
  await put('build/a/b/x.txt', 'txt\n');
  await mkdir(path.join(dir, 'empty'));
  await symlink('app/main.py', path.join(dir, 'current'));
  await symlink('../../etc/passwd', path.join(dir, 'app/escape'));
  execFileSync('mkfifo', [path.join(dir, 'app/pipe')]);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(path.join(dir, 'app/sock'), resolve));
});

after(async () => {
  await new Promise<void>((resolve) => socketServer.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('walking a build context', () => {
  test('honours .dockerignore with Docker\'s rules, hashes files, keeps dirs and symlinks, lists what it cannot hold', async () => {
    const w = await walkContext(dir);
    assert.deepEqual(w.files.map((f) => `${f.type} ${f.path}`), [
      'file .dockerignore', 'dir app', 'file app/debug.log', 'file app/main.py', 'dir build', 'dir build/a', 'dir build/a/b',
      'file build/a/b/x.txt', 'symlink current', 'dir docs', 'file docs/keep.md', 'dir empty',
    ]);
    assert.deepEqual(w.files.find((f) => f.path === 'app/main.py'), { path: 'app/main.py', type: 'file', mode: 0o755, size: 12, sha256: sha('print("hi")\n') });
    assert.deepEqual(w.files.find((f) => f.path === 'current'), { path: 'current', type: 'symlink', mode: 0o777, size: 0, target: 'app/main.py' });
    assert.deepEqual(w.ignored, ['build/a/b/x.tmp', 'debug.log', 'docs/guide.md', 'node_modules', 'secret.env']);
    assert.deepEqual(w.unsupported.map((u) => [u.path, u.kind]), [['app/escape', 'symlink'], ['app/pipe', 'fifo'], ['app/sock', 'socket']]);
    assert.match(w.unsupported[0].reason, /outside the context/);
  });

  test('inspectBuildContext returns files, ignored, warnings, unsupported and the payload, without network', async () => {
    const t = Template.fromPythonImage().copy('app/', '/srv/app/').copy('secret.env', '/etc/app.env').copy('missing.txt', '/x').setStartCmd('python /srv/app/main.py');
    const r = await Template.inspectBuildContext(t, { contextPath: dir, name: 'ctx-app', tags: ['v1'] });
    assert.equal(r.contextPath, dir);
    assert.equal(r.uploaded, true);
    assert.equal(r.files.length, 12);
    assert.equal(r.contextDigest, contextDigest(r.files));
    assert.deepEqual(r.unsupported.map((u) => u.kind), ['symlink', 'fifo', 'socket']);
    assert.ok(r.warnings.includes('steps[1] copies "secret.env", which .dockerignore excludes (secret.env).'), r.warnings.join('\n'));
    assert.ok(r.warnings.includes('steps[2] copies "missing.txt", which is not in the build context.'));
    assert.ok(r.warnings.some((w) => /^app\/sock is a socket; .* it is left out\.$/.test(w)));
    assert.deepEqual(r.payload, {
      name: 'ctx-app', tags: ['v1'], base_image: 'python:3.12-slim', start_cmd: 'python /srv/app/main.py',
      steps: [{ type: 'copy', src: 'app/', dest: '/srv/app/' }, { type: 'copy', src: 'secret.env', dest: '/etc/app.env' }, { type: 'copy', src: 'missing.txt', dest: '/x' }],
    });
    const noCopy = await Template.inspectBuildContext(Template.fromNodeImage().npmInstall('tsx'), { contextPath: dir });
    assert.equal(noCopy.uploaded, false);
    assert.match(noCopy.warnings[0], /not uploaded/);
  });

  test('the context digest depends on content and modes, not on order or mtimes', async () => {
    const w = await walkContext(dir);
    const digest = contextDigest(w.files);
    assert.equal(contextDigest([...w.files].reverse()), digest);
    assert.notEqual(contextDigest(w.files.map((f) => (f.path === 'app/main.py' ? { ...f, mode: 0o644 } : f))), digest);
    await assert.rejects(walkContext(path.join(dir, 'app/main.py')), /is not a directory/);
  });

  test('Docker\'s .dockerignore rules: anchored patterns, ** across directories, exceptions, last match wins', () => {
    const ig = new Dockerignore('*.md\n!README.md\n**/cache\ndist/\n/tmp/*\n!tmp/keep\n');
    const cases: [string, boolean][] = [
      ['notes.md', true], ['README.md', false], ['docs/notes.md', false], ['cache', true], ['a/b/cache', true],
      ['a/b/cache/x', true], ['dist', true], ['dist/app.js', true], ['tmp/x', true], ['tmp/keep', false], ['tmp', false],
    ];
    for (const [p, excluded] of cases) assert.equal(ig.excludes(p), excluded, p);
    assert.throws(() => new Dockerignore('ok\n!\n'), /line 2: illegal exclusion pattern/);
  });

  test('a bundle tar is a valid archive of the manifest and the blobs', async () => {
    const out = path.join(dir, '..', `${path.basename(dir)}-bundle.tar`);
    const manifest = Buffer.from('{"files":[]}');
    const chunks: Uint8Array[] = [];
    for await (const c of tarStream([
      { name: 'manifest.json', size: manifest.byteLength, content: manifest },
      { name: `blobs/sha256/${sha('print("hi")\n')}`, size: 12, content: { file: path.join(dir, 'app/main.py') } },
    ])) chunks.push(c);
    await writeFile(out, Buffer.concat(chunks));
    try {
      assert.deepEqual(execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).trim().split('\n'), ['manifest.json', `blobs/sha256/${sha('print("hi")\n')}`]);
      assert.equal(execFileSync('tar', ['-xOf', out, `blobs/sha256/${sha('print("hi")\n')}`], { encoding: 'utf8' }), 'print("hi")\n');
    } finally {
      await rm(out, { force: true });
    }
    const lying = tarStream([{ name: 'x', size: 99, content: { file: path.join(dir, 'app/main.py') } }]);
    await assert.rejects((async () => { for await (const c of lying) void c; })(), /changed while it was sent \(12 bytes instead of 99\)/);
  });
});
