/**
 * Ready checks for `setStartCmd(cmd, ready)` and `setReadyCmd(ready)`: how the build decides the
 * started template is ready. Each helper returns the `runtime_config.readiness` object the server takes.
 */
import type { Readiness } from '../types.ts';

/** A ready check, as sent in `runtime_config.readiness`. */
export type ReadyCheck = Readiness;

/** Timing of a ready check. */
export interface ReadyTiming {
  /** How long to wait in all, in seconds (server default 30). */
  timeoutSecs?: number;
  /** Time between checks, in milliseconds (server default 500). */
  intervalMs?: number;
  /** Wait before the first check, in seconds (server default 0). */
  startupGraceSecs?: number;
}

function timed(check: ReadyCheck, t: ReadyTiming = {}): ReadyCheck {
  const out: ReadyCheck = { ...check };
  if (t.timeoutSecs !== undefined) out.timeout_secs = t.timeoutSecs;
  if (t.intervalMs !== undefined) out.interval_ms = t.intervalMs;
  if (t.startupGraceSecs !== undefined) out.startup_grace_secs = t.startupGraceSecs;
  return out;
}

/**
 * Ready when a TCP connection to `port` inside the template succeeds.
 * @example
 * Template.fromPythonImage().setStartCmd('python -m http.server 8000', waitForPort(8000))
 */
export function waitForPort(port: number, timing?: ReadyTiming): ReadyCheck {
  return timed({ kind: 'tcp', port }, timing);
}

/**
 * Ready when an HTTP GET of `url` answers 2xx or 3xx; the URL is on localhost, 127.0.0.1 or
 * 0.0.0.0 with an explicit port, without query, fragment or credentials.
 * @example
 * Template.fromNodeImage().setStartCmd('node server.js', waitForUrl('http://localhost:3000/health'))
 */
export function waitForUrl(url: string, timing?: ReadyTiming): ReadyCheck {
  return timed({ kind: 'http', url }, timing);
}

/**
 * Ready when the absolute `path` exists in the template's filesystem.
 * @example
 * Template.fromDebianImage().setStartCmd('sh -c "sleep 1; touch /tmp/ready; sleep infinity"', waitForFile('/tmp/ready'))
 */
export function waitForFile(path: string, timing?: ReadyTiming): ReadyCheck {
  return timed({ kind: 'file', path }, timing);
}

/**
 * Ready when a process with this name (or this word in its command line) runs.
 * @example
 * Template.fromDebianImage().aptInstall('nginx').setStartCmd('nginx -g "daemon off;"', waitForProcess('nginx'))
 */
export function waitForProcess(name: string, timing?: ReadyTiming): ReadyCheck {
  return timed({ kind: 'process', process: name }, timing);
}

/**
 * Ready after a fixed time, `ms` milliseconds (rounded up to whole seconds, at least 1).
 * @example
 * Template.fromPythonImage().setStartCmd('python warm_cache.py', waitForTimeout(5_000))
 */
export function waitForTimeout(ms: number): ReadyCheck {
  return { kind: 'timeout', timeout_secs: Math.max(1, Math.ceil(ms / 1000)) };
}

/**
 * Ready when a shell command exits 0 (what a string given as a ready check means).
 * @example
 * Template.fromPythonImage().setStartCmd('python app.py', waitForCommand('test -S /tmp/app.sock'))
 */
export function waitForCommand(command: string, timing?: ReadyTiming): ReadyCheck {
  return timed({ kind: 'command', command }, timing);
}

/** A ready check given as a check object or as a shell command. */
export function toReadyCheck(ready: ReadyCheck | string): ReadyCheck {
  return typeof ready === 'string' ? waitForCommand(ready) : { ...ready };
}

/** A short description of a ready check, for the rendered Dockerfile. */
export function describeReadyCheck(r: ReadyCheck): string {
  switch (r.kind) {
    case 'tcp': return `tcp port ${r.port}`;
    case 'http': return `http ${r.url}`;
    case 'file': return `file ${r.path}`;
    case 'process': return `process ${r.process}`;
    case 'command': return `command ${JSON.stringify(r.command)}`;
    case 'timeout': return `after ${r.timeout_secs} s`;
  }
}
