import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationNs, parseHealthcheck } from './healthcheck.ts';
import { readinessFromHealthcheck } from './readiness-from-healthcheck.ts';

describe('durations', () => {
  test('Go duration syntax', () => {
    assert.equal(parseDurationNs('30s'), 30e9);
    assert.equal(parseDurationNs('1m30s'), 90e9);
    assert.equal(parseDurationNs('500ms'), 5e8);
    assert.equal(parseDurationNs('1.5h'), 5400e9);
    assert.equal(parseDurationNs('0'), 0);
    assert.equal(parseDurationNs('10'), null);
    assert.equal(parseDurationNs('5 s'), null);
  });
});

describe('HEALTHCHECK parsing', () => {
  test('NONE, exec and shell forms, unknown flags', () => {
    assert.deepEqual(parseHealthcheck('NONE'), { kind: 'none' });
    const exec = parseHealthcheck('--retries=2 CMD ["pg_isready"]');
    assert.equal(exec.kind, 'check');
    if (exec.kind === 'check') assert.deepEqual([exec.healthcheck.test, exec.healthcheck.retries], [['CMD', 'pg_isready'], 2]);
    assert.equal(parseHealthcheck('--bogus=1 CMD true').kind, 'error');
    assert.equal(parseHealthcheck('CMD').kind, 'error');
    assert.equal(parseHealthcheck('true').kind, 'error');
  });
});

describe('readiness mapping', () => {
  const map = (shell: string) => readinessFromHealthcheck(null, shell, {});
  test('local http URLs with an explicit port map to http', () => {
    assert.deepEqual(map('wget -qO- http://127.0.0.1:9000/ready'), { kind: 'http', url: 'http://127.0.0.1:9000/ready', port: 9000, timeout_secs: 30, interval_ms: 500, startup_grace_secs: 0 });
    assert.equal(map('curl -f http://localhost:3000 || exit 1').kind, 'http');
  });
  test('remote hosts, https, missing ports, queries and compound commands stay commands', () => {
    for (const cmd of ['curl http://example.com:80/', 'curl https://localhost:8443/', 'curl http://localhost/', 'curl http://localhost:80/?q=1', 'curl http://localhost:80/ && rm -rf /tmp/x']) {
      assert.deepEqual(map(cmd), { kind: 'command', command: cmd, timeout_secs: 30, interval_ms: 500, startup_grace_secs: 0 }, cmd);
    }
  });
  test('nc -z to a local port maps to tcp', () => {
    assert.equal(map('nc -z localhost 6379').kind, 'tcp');
    assert.equal(map('nc -zv 127.0.0.1 6379').port, 6379);
    assert.equal(map('nc -z db 6379').kind, 'command');
  });
  test('flags set the timings', () => {
    const r = readinessFromHealthcheck(['true'], null, { timeout_ns: 1.5e9, interval_ns: 2e9, start_period_ns: 0 });
    assert.deepEqual(r, { kind: 'command', command: 'true', timeout_secs: 2, interval_ms: 2000, startup_grace_secs: 0 });
  });
});
