/** Rules for readiness checks (runtime_config.readiness and the second platform's readyCmd). */
import { problem, type Problem } from '../../errors/errors.ts';
import type { Readiness } from '../plan-types.ts';

/** Defaults for readiness timing. */
export const READINESS_DEFAULTS = { timeout_secs: 30, interval_ms: 500, startup_grace_secs: 0 } as const;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]']);

/** Problems with a readiness object whose types are already checked; `field` is its path. */
export function checkReadiness(r: Partial<Readiness>, field: string): Problem[] {
  const out: Problem[] = [];
  const bad = (msg: string, sub = '') => out.push(problem('invalid_readiness', `${field}${sub}: ${msg}`, 'request', { field: field + sub }));
  switch (r.kind) {
    case 'tcp':
      if (r.port === undefined) bad('a tcp check needs port.', '.port');
      break;
    case 'http': {
      if (!r.url) { bad('an http check needs url.', '.url'); break; }
      let u: URL | undefined;
      try { u = new URL(r.url); } catch { bad(`${JSON.stringify(r.url)} is not a URL.`, '.url'); break; }
      if (u.protocol !== 'http:') bad('only http:// URLs are checked.', '.url');
      if (!LOCAL_HOSTS.has(u.hostname)) bad('the URL must be on localhost, 127.0.0.1 or 0.0.0.0.', '.url');
      if (!u.port) bad('the URL must give an explicit port.', '.url');
      if (u.search || u.hash || u.username || u.password) bad('the URL must not carry a query, fragment or credentials.', '.url');
      if (r.port !== undefined && u.port && Number(u.port) !== r.port) bad('port differs from the URL\'s port.', '.port');
      break;
    }
    case 'file':
      if (!r.path?.startsWith('/')) bad('a file check needs an absolute path.', '.path');
      break;
    case 'process':
      if (!r.process || /[\0\n]/.test(r.process)) bad('a process check needs a process name.', '.process');
      break;
    case 'command':
      if (!r.command || r.command.includes('\0')) bad('a command check needs a command.', '.command');
      break;
    case 'timeout':
      break;
    default:
      bad(`kind ${JSON.stringify(r.kind)} is not one of tcp, http, file, process, command, timeout.`, '.kind');
  }
  return out;
}

/** A readiness object with every timing field filled in. */
export function withReadinessDefaults(r: Partial<Readiness> & { kind: Readiness['kind'] }): Readiness {
  const out: Readiness = { ...r, ...pickTiming(r) };
  if (out.kind === 'http' && out.url && out.port === undefined) out.port = Number(new URL(out.url).port);
  return out;
}

function pickTiming(r: Partial<Readiness>) {
  return {
    timeout_secs: r.timeout_secs ?? READINESS_DEFAULTS.timeout_secs,
    interval_ms: r.interval_ms ?? READINESS_DEFAULTS.interval_ms,
    startup_grace_secs: r.startup_grace_secs ?? READINESS_DEFAULTS.startup_grace_secs,
  };
}
