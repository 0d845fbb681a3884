/**
 * The second platform's build endpoint, mapped onto Kiln's build path: its body becomes a
 * build request (from_image → base_image, cpu/memory/diskGB → build_config, typed steps,
 * startCmd/readyCmd → start_cmd and readiness, registry_credentials → registry_auth).
 */
import { KilnError, problem, type Problem } from '../errors/errors.ts';
import { parseImageReference } from '../oci/image-reference.ts';
import { COMPAT_LIMITS, CompatBuildSchema, type CompatBuildRequest } from './schemas/compat-build-schema.ts';
import { typeProblems } from './request/type-check.ts';
import { throwProblems } from './plan-service.ts';

/** Whether an image reference names an Alpine Linux image. */
export function isAlpineImage(ref: string): boolean {
  const parsed = parseImageReference(ref);
  if (typeof parsed === 'string') return false;
  const repoName = parsed.repository.split('/').pop() ?? '';
  return repoName === 'alpine' || /(^|[-_.])alpine/.test(parsed.tag ?? '');
}

/** Converts the second platform's body into a Kiln build request, or throws a 400 naming every problem. */
export function compatToBuildRequest(body: unknown): { request: Record<string, unknown>; update: boolean } {
  const typeErrs = typeProblems(CompatBuildSchema, body);
  if (typeErrs.length) throwProblems(typeErrs);
  const b = body as CompatBuildRequest;
  const problems: Problem[] = [];
  for (const [k, unit] of [['cpu', ''], ['memory', ' MB'], ['diskGB', ' GB']] as const) {
    const { min, max } = COMPAT_LIMITS[k];
    if (b[k] < min || b[k] > max) problems.push(problem('build_config_out_of_range', `Invalid ${k}: must be between ${min} and ${max}${unit}`, 'request', { field: k }));
  }
  if (isAlpineImage(b.from_image)) {
    problems.push(problem('unsupported_base_image', 'Alpine Linux is not supported. Use glibc-based images like ubuntu, debian, python-slim, node-slim', 'request', { field: 'from_image' }));
  }
  if (problems.length) throwProblems(problems);

  const request: Record<string, unknown> = {
    name: b.name,
    base_image: b.from_image,
    build_config: { vcpus: b.cpu, memory_mib: b.memory, disk_mb: b.diskGB * 1024 },
  };
  if (b.steps && b.steps.length) request.steps = b.steps;
  if (b.startCmd !== undefined) request.start_cmd = b.startCmd;
  if (b.skipCache !== undefined) request.skip_cache = b.skipCache;
  if (b.readyCmd) request.runtime_config = { readiness: readyCmdToReadiness(b.readyCmd) };
  if (b.registry_credentials) {
    const parsed = parseImageReference(b.from_image);
    const registry = b.registry_credentials.registry ?? (typeof parsed === 'string' ? 'docker.io' : parsed.registry);
    request.registry_auth = [{ registry, auth: { username: b.registry_credentials.username, password: b.registry_credentials.password } }];
  }
  return { request, update: b.update ?? false };
}

function readyCmdToReadiness(r: NonNullable<CompatBuildRequest['readyCmd']>): Record<string, unknown> {
  const timing = {
    timeout_secs: Math.max(1, Math.ceil((r.timeout ?? 30000) / 1000)),
    interval_ms: r.interval ?? 500,
  };
  switch (r.type) {
    case 'PORT': return { kind: 'tcp', port: r.port, ...timing };
    case 'URL': return { kind: 'http', url: r.url, ...timing };
    case 'FILE': return { kind: 'file', path: r.path ?? r.file, ...timing };
    case 'PROCESS': return { kind: 'process', process: r.process ?? r.name, ...timing };
    case 'COMMAND': return { kind: 'command', command: r.command, ...timing };
  }
}

/** The second platform's error code for a Kiln error's HTTP status. */
export function compatErrorCode(err: KilnError): string {
  switch (err.status) {
    case 400: case 413: case 415: return 'INVALID_REQUEST';
    case 401: return 'UNAUTHORIZED';
    case 404: return 'NOT_FOUND';
    case 409: return 'CONFLICT';
    case 503: return 'SERVICE_UNAVAILABLE';
    default: return 'INTERNAL_ERROR';
  }
}
