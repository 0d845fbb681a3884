import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultsFromImageConfig } from './config-defaults.ts';

describe('defaultsFromImageConfig', () => {
  test('maps a full config', () => {
    const d = defaultsFromImageConfig({
      architecture: 'amd64',
      os: 'linux',
      config: {
        User: 'app:web',
        Env: ['PATH=/usr/local/bin:/usr/bin', 'OPTS=a=b=c', 'EMPTY=', 'BARE'],
        Entrypoint: ['/docker-entrypoint.sh'],
        Cmd: ['nginx', '-g', 'daemon off;'],
        WorkingDir: '/srv',
        ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
        Volumes: { '/var/cache/nginx': {} },
        Labels: { maintainer: 'NGINX <docker-maint@nginx.com>' },
        Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], Interval: 30e9, Timeout: 5e9, StartPeriod: 10e9, Retries: 3 },
      },
    });
    assert.deepEqual(d, {
      env: [['PATH', '/usr/local/bin:/usr/bin'], ['OPTS', 'a=b=c'], ['EMPTY', ''], ['BARE', '']],
      user: 'app:web',
      workdir: '/srv',
      start_cmd: "/docker-entrypoint.sh nginx -g 'daemon off;'",
      oci_metadata: {
        labels: { maintainer: 'NGINX <docker-maint@nginx.com>' },
        exposed_ports: ['80/tcp', '443/tcp'],
        volumes: ['/var/cache/nginx'],
        healthcheck: {
          test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
          interval_ns: 30e9, timeout_ns: 5e9, start_period_ns: 10e9, retries: 3, mapped_readiness: false,
        },
      },
    });
  });

  test('an empty config gives nulls and empty metadata', () => {
    assert.deepEqual(defaultsFromImageConfig({}), {
      env: [], user: null, workdir: null, start_cmd: null,
      oci_metadata: { labels: {}, exposed_ports: [], volumes: [], healthcheck: null },
    });
    assert.deepEqual(defaultsFromImageConfig({ config: { User: '', WorkingDir: '', Entrypoint: null, Cmd: null, Labels: null } }).start_cmd, null);
  });

  test('Cmd alone, Entrypoint alone, and quoting of awkward arguments', () => {
    assert.equal(defaultsFromImageConfig({ config: { Cmd: ['bash'] } }).start_cmd, 'bash');
    assert.equal(defaultsFromImageConfig({ config: { Entrypoint: ['/bin/sh', '-c', "echo 'hi' $HOME"] } }).start_cmd, `/bin/sh -c 'echo '\\''hi'\\'' $HOME'`);
    assert.equal(defaultsFromImageConfig({ config: { Cmd: ['printf', ''] } }).start_cmd, "printf ''");
  });

  test('a disabled healthcheck (NONE) is dropped; missing fields take Docker\'s defaults', () => {
    assert.equal(defaultsFromImageConfig({ config: { Healthcheck: { Test: ['NONE'] } } }).oci_metadata.healthcheck, null);
    assert.deepEqual(defaultsFromImageConfig({ config: { Healthcheck: { Test: ['CMD', 'true'] } } }).oci_metadata.healthcheck, {
      test: ['CMD', 'true'], interval_ns: 30e9, timeout_ns: 30e9, start_period_ns: 0, retries: 3, mapped_readiness: false,
    });
  });
});
