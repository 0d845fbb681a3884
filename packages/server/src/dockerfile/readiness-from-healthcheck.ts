/**
 * Maps a HEALTHCHECK command to a readiness check: `curl`/`wget` of a local http URL with an
 * explicit port becomes `http`, `nc -z host PORT` on a local host becomes `tcp`, anything
 * else a `command` check. Absent flags give timeout 30 s, poll interval 500 ms, no grace.
 */
import type { Readiness } from '../domain/plan-types.ts';
import { processWords } from './expand-variables.ts';
import type { HealthcheckTimings } from './healthcheck.ts';
import { renderArgv } from './render-argv.ts';

/** Readiness timings used when the HEALTHCHECK gives no flag. */
export const DEFAULT_READINESS_TIMINGS = { timeout_secs: 30, interval_ms: 500, startup_grace_secs: 0 } as const;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]', '::1']);
const LOCAL_URL = /^http:\/\/(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):(\d{1,5})(\/[^?#\s]*)?$/;
const NO_VARIABLES = (): undefined => undefined;

function commandName(word: string | undefined): string {
  if (word === undefined) return '';
  return word.slice(word.lastIndexOf('/') + 1);
}

function validPort(text: string): number | null {
  const port = Number(text);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
}

/** Finds an http or tcp check in a command's words; null when none maps. */
function probeFromWords(words: string[]): Pick<Readiness, 'kind' | 'url' | 'port'> | null {
  const name = commandName(words[0]);
  if (name === 'curl' || name === 'wget') {
    for (const word of words.slice(1)) {
      const m = LOCAL_URL.exec(word);
      if (m === null) continue;
      const port = validPort(m[2]);
      return port === null ? null : { kind: 'http', url: word, port };
    }
    return null;
  }
  if (name === 'nc' || name === 'ncat' || name === 'netcat') {
    const rest = words.slice(1);
    if (!rest.some((w) => /^-[a-zA-Z]*z[a-zA-Z]*$/.test(w))) return null;
    const positional = rest.filter((w) => !w.startsWith('-'));
    if (positional.length !== 2 || !LOCAL_HOSTS.has(positional[0])) return null;
    const port = validPort(positional[1]);
    return port === null ? null : { kind: 'tcp', port };
  }
  return null;
}

/** Builds the readiness check a HEALTHCHECK maps to. */
export function readinessFromHealthcheck(exec: string[] | null, shell: string | null, given: HealthcheckTimings): Readiness {
  const timings = {
    timeout_secs: given.timeout_ns === undefined ? DEFAULT_READINESS_TIMINGS.timeout_secs : Math.ceil(given.timeout_ns / 1e9),
    interval_ms: given.interval_ns === undefined ? DEFAULT_READINESS_TIMINGS.interval_ms : Math.round(given.interval_ns / 1e6),
    startup_grace_secs: given.start_period_ns === undefined ? DEFAULT_READINESS_TIMINGS.startup_grace_secs : Math.ceil(given.start_period_ns / 1e9),
  };
  const words = exec ?? processWords(shell ?? '', '\\', NO_VARIABLES);
  const simple = exec !== null || !/[;&|<>`$()]/.test((shell ?? '').replace(/\|\|\s*exit\s+1\s*$/, ''));
  const probe = simple ? probeFromWords(words) : null;
  if (probe !== null) return { ...probe, ...timings };
  return { kind: 'command', command: exec === null ? (shell ?? '') : renderArgv(exec), ...timings };
}
