/**
 * HEALTHCHECK: `NONE`, or `[flags] CMD …` in exec or shell form, with Go-style durations;
 * Docker's defaults (30s interval, 30s timeout, 0s start period, 3 retries) fill absent flags.
 */
import type { Healthcheck } from '../domain/plan-types.ts';
import { extractFlags, parseJsonArray } from './instruction-words.ts';

/** The flag values given on a HEALTHCHECK, in nanoseconds, when present. */
export interface HealthcheckTimings {
  interval_ns?: number;
  timeout_ns?: number;
  start_period_ns?: number;
}

/** A parsed HEALTHCHECK: NONE, a check, or an error sentence. */
export type ParsedHealthcheck =
  | { kind: 'none' }
  | { kind: 'check'; healthcheck: Healthcheck; given: HealthcheckTimings; exec: string[] | null; shell: string | null }
  | { kind: 'error'; error: string };

const NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION_PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** Parses a Go duration (`1m30s`, `500ms`, `0`) into nanoseconds; null when malformed. */
export function parseDurationNs(text: string): number | null {
  if (text === '0') return 0;
  if (text === '') return null;
  let rest = text;
  let total = 0;
  while (rest !== '') {
    const m = DURATION_PART.exec(rest);
    if (m === null) return null;
    total += Number(m[1]) * NS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

const DURATION_FLAGS: Record<string, keyof HealthcheckTimings | 'start_interval'> = {
  interval: 'interval_ns', timeout: 'timeout_ns', 'start-period': 'start_period_ns', 'start-interval': 'start_interval',
};

/** Parses a HEALTHCHECK instruction's arguments. */
export function parseHealthcheck(args: string): ParsedHealthcheck {
  const { flags, rest } = extractFlags(args);
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  const kind = m === null ? '' : m[1].toUpperCase();
  if (kind === 'NONE') {
    if (m !== null && m[2] !== '') return { kind: 'error', error: 'HEALTHCHECK NONE takes no arguments.' };
    return { kind: 'none' };
  }
  if (kind !== 'CMD' || m === null) return { kind: 'error', error: 'HEALTHCHECK must be NONE or [OPTIONS] CMD command.' };
  const given: HealthcheckTimings = {};
  let retries = 3;
  for (const flag of flags) {
    const value = flag.value ?? '';
    if (flag.name === 'retries') {
      if (!/^\d+$/.test(value)) return { kind: 'error', error: `HEALTHCHECK --retries must be a whole number, not ${JSON.stringify(value)}.` };
      retries = Number(value);
      continue;
    }
    const field = DURATION_FLAGS[flag.name];
    if (field === undefined) return { kind: 'error', error: `HEALTHCHECK has an unknown flag --${flag.name}.` };
    const ns = parseDurationNs(value);
    if (ns === null) return { kind: 'error', error: `HEALTHCHECK --${flag.name} is not a duration: ${JSON.stringify(value)}.` };
    if (field !== 'start_interval') given[field] = ns;
  }
  const command = m[2].trim();
  if (command === '') return { kind: 'error', error: 'HEALTHCHECK CMD needs a command.' };
  const exec = parseJsonArray(command);
  if (exec !== null && exec.length === 0) return { kind: 'error', error: 'HEALTHCHECK CMD needs a command.' };
  const healthcheck: Healthcheck = {
    test: exec === null ? ['CMD-SHELL', command] : ['CMD', ...exec],
    interval_ns: given.interval_ns ?? 30e9,
    timeout_ns: given.timeout_ns ?? 30e9,
    start_period_ns: given.start_period_ns ?? 0,
    retries,
    mapped_readiness: false,
  };
  return { kind: 'check', healthcheck, given, exec, shell: exec === null ? command : null };
}
