/**
 * The runtime defaults and OCI metadata a template takes from an imported image's config:
 * environment, user, working directory, start command (Entrypoint then Cmd, shell-quoted),
 * exposed ports, volumes (metadata only), labels and healthcheck.
 */
import type { Healthcheck, OciMetadata } from '../../domain/plan-types.ts';
import { quoteShellArgs } from '../../dockerfile/shell-quote.ts';
import type { ImageConfig } from '../oci-types.ts';

/** What {@link defaultsFromImageConfig} returns. */
export interface ImageConfigDefaults {
  /** `Env` as name/value pairs, in order (split on the first `=`; a bare name has the value ''). */
  env: [string, string][];
  /** `User`, or null when the image gives none. */
  user: string | null;
  /** `WorkingDir`, or null when the image gives none. */
  workdir: string | null;
  /** `Entrypoint` followed by `Cmd`, as one shell-quoted command, or null when both are empty. */
  start_cmd: string | null;
  oci_metadata: OciMetadata;
}

/** Docker's values for healthcheck fields an image leaves at 0 (as the Dockerfile front end fills them). */
const HEALTHCHECK_DEFAULTS = { interval_ns: 30e9, timeout_ns: 30e9, start_period_ns: 0, retries: 3 };

function orDefault(n: unknown, fallback: number): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Docker's HEALTHCHECK as kept in the metadata; null when absent or disabled (`NONE`). */
function healthcheck(given: NonNullable<ImageConfig['config']>['Healthcheck']): Healthcheck | null {
  const test = Array.isArray(given?.Test) ? given.Test.filter((t): t is string => typeof t === 'string') : [];
  if (test.length === 0 || test[0] === 'NONE') return null;
  return {
    test,
    interval_ns: orDefault(given?.Interval, HEALTHCHECK_DEFAULTS.interval_ns),
    timeout_ns: orDefault(given?.Timeout, HEALTHCHECK_DEFAULTS.timeout_ns),
    start_period_ns: orDefault(given?.StartPeriod, HEALTHCHECK_DEFAULTS.start_period_ns),
    retries: orDefault(given?.Retries, HEALTHCHECK_DEFAULTS.retries),
    mapped_readiness: false,
  };
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

function keys(v: unknown): string[] {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
}

/**
 * Maps an image config to template defaults and OCI metadata. Healthcheck durations are in
 * nanoseconds, fields the image leaves at 0 take Docker's defaults (30s, 30s, 0s, 3 retries), and
 * `mapped_readiness` is false.
 */
export function defaultsFromImageConfig(config: ImageConfig): ImageConfigDefaults {
  const c = config.config ?? {};
  const env = stringList(c.Env).map((entry): [string, string] => {
    const eq = entry.indexOf('=');
    return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
  });
  const command = [...stringList(c.Entrypoint), ...stringList(c.Cmd)];
  const labels: Record<string, string> = {};
  if (c.Labels && typeof c.Labels === 'object') {
    for (const [k, v] of Object.entries(c.Labels)) if (typeof v === 'string') labels[k] = v;
  }
  return {
    env,
    user: typeof c.User === 'string' && c.User !== '' ? c.User : null,
    workdir: typeof c.WorkingDir === 'string' && c.WorkingDir !== '' ? c.WorkingDir : null,
    start_cmd: command.length === 0 ? null : quoteShellArgs(command),
    oci_metadata: {
      labels,
      exposed_ports: keys(c.ExposedPorts),
      volumes: keys(c.Volumes),
      healthcheck: healthcheck(c.Healthcheck),
    },
  };
}
