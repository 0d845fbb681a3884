import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { filesContaining } from '../fixtures/search-dir.ts';

const MAIN = path.resolve(import.meta.dirname, '../../packages/server/src/main/main.ts');

/** Starts `main.ts` and resolves once it says where it listens; the caller stops it by pid. */
function startMain(dataDir: string): Promise<{ out: string; url: string; stop: () => Promise<void> }> {
  const env: Record<string, string | undefined> = { ...process.env, KILN_DATA_DIR: dataDir, KILN_PORT: '0', KILN_LOG_LEVEL: 'error' };
  delete env.KILN_API_KEYS;
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void stop(); reject(new Error(`no start within 30 s: ${out}`)); }, 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ out, url: m[1], stop }); }
    });
    child.stderr.on('data', (d) => { out += d; });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out}`)); });
  });
}

test('the first start prints one API key for tenant default, stores only its hash, and later starts print none', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'kiln-first-'));
  try {
    const first = await startMain(dataDir);
    const key = /^\s+(kiln_\S+)$/m.exec(first.out)?.[1];
    assert.ok(key, first.out);
    const ok = await fetch(`${first.url}/v1/templates/validate`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"base_image":"debian:bookworm"}',
    });
    assert.equal(ok.status, 200);
    await first.stop();
    assert.deepEqual(await filesContaining(dataDir, key!), [], 'the key itself is never stored');

    const second = await startMain(dataDir);
    assert.ok(!/kiln_/.test(second.out), second.out);
    const still = await fetch(`${second.url}/v1/templates/validate`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}',
    });
    assert.equal(still.status, 200);
    await second.stop();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
