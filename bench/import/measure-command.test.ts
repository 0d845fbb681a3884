import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gnuTimeAvailable, measureCommand, parseTimeOutput } from './measure-command.ts';

test('parseTimeOutput reads CPU time and peak RSS from the last line, after a non-zero exit note', () => {
  assert.deepEqual(parseTimeOutput('0.52 0.30 0.12 51200\n'), { cpuMs: 420, sysMs: 120, maxRssBytes: 51200 * 1024 });
  assert.deepEqual(parseTimeOutput('Command exited with non-zero status 1\n1.00 0.50 0.25 1024\n'), { cpuMs: 750, sysMs: 250, maxRssBytes: 1024 * 1024 });
  assert.throws(() => parseTimeOutput('garbage'), /not "elapsed user system maxrss"/);
});

test('measureCommand reports a process\'s exit code, output and a peak RSS that covers what it touched', { skip: !gnuTimeAvailable() && 'GNU time is not installed' }, async () => {
  const script = 'const b = Buffer.alloc(200 * 1024 * 1024, 1); process.stdout.write(String(b[b.length - 1])); process.exit(3);';
  const m = await measureCommand(process.execPath, ['-e', script], { timeoutMs: 60_000 });
  assert.equal(m.code, 3);
  assert.equal(m.stdout, '1');
  assert.ok(m.maxRssBytes > 200 * 1024 * 1024, `peak RSS ${m.maxRssBytes}`);
  assert.ok(m.cpuMs >= 0);
});

test('measureCommand stops a command that outlives its timeout', { skip: !gnuTimeAvailable() && 'GNU time is not installed' }, async () => {
  const m = await measureCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 500 });
  assert.notEqual(m.code, 0);
});
