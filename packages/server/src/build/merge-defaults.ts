/** A template's runtime defaults and OCI metadata: what the build request set, over what the base image gives. */
import type { ImageConfigDefaults } from '../oci/image-config/config-defaults.ts';
import type { ExecutionResult } from './build-executor.ts';

/**
 * The request's own defaults win; the image fills in the rest. Env values stay out: only keys are
 * kept. Labels merge (the request's win), ports and volumes are united, the request's healthcheck
 * replaces the image's.
 */
export function mergeDefaults(requested: { runtime_defaults: Record<string, unknown>; oci_metadata: Record<string, unknown> }, image: ImageConfigDefaults): Omit<ExecutionResult, 'rootfs'> {
  const r = requested.runtime_defaults;
  const keys = new Set<string>([...image.env.map(([k]) => k), ...((r.default_env_keys as string[] | undefined) ?? [])]);
  const m = requested.oci_metadata as Partial<typeof image.oci_metadata>;
  const union = (a: string[] | undefined, b: string[]) => [...new Set([...b, ...(a ?? [])])];
  return {
    runtime_defaults: {
      default_env_keys: [...keys],
      start_cmd: r.start_cmd ?? image.start_cmd,
      default_user: r.default_user ?? image.user,
      default_workdir: r.default_workdir ?? image.workdir,
      readiness: r.readiness ?? null,
    },
    oci_metadata: {
      labels: { ...image.oci_metadata.labels, ...(m.labels ?? {}) },
      exposed_ports: union(m.exposed_ports, image.oci_metadata.exposed_ports),
      volumes: union(m.volumes, image.oci_metadata.volumes),
      healthcheck: m.healthcheck ?? image.oci_metadata.healthcheck,
    },
  };
}
