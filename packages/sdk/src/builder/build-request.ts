/**
 * The body of `POST /v1/templates/builds` (and of validate and plan) for a template definition and
 * the options of one build: declarative `steps`, `start_cmd`, `runtime_config.readiness`, and the
 * build-level fields. Steps go to the server as steps, never as Dockerfile text.
 */
import type { BuildBackend, Readiness } from '../types.ts';
import type { Step } from './steps.ts';
import type { BuildSecret, RegistryCredentials, TemplateState } from './template-state.ts';

/** Build VM resources, each within the server's limits. */
export interface BuildResources {
  /** 1–16 (default 2). */
  vcpus?: number;
  /** 128–65536 (default 2048). */
  memoryMib?: number;
  /** Root filesystem size, 256–262144 (default 10240). */
  diskMb?: number;
  /** Whether steps reach the internet (default true). */
  internetAccess?: boolean;
}

/** Options of one build request, beside the template definition. */
export interface BuildRequestOptions {
  /** Tags of the built artifact (default `["default"]`). */
  tags?: string[];
  /** Build VM resources. */
  resources?: BuildResources;
  /** `native` or `buildkit`; by default the server picks (Dockerfiles: buildkit, steps and images: native). */
  buildBackend?: BuildBackend;
  /** Environment variables available during the build only. */
  buildEnvs?: Record<string, string>;
  /** Environment of sandboxes made from the template (values are never returned by the server). */
  runtimeEnvs?: Record<string, string>;
  /** More build secrets, besides those attached with `buildSecret` (buildkit only). */
  buildSecrets?: BuildSecret[] | Record<string, string>;
  /** Per-registry credentials for the images a Dockerfile pulls. */
  registryAuth?: { registry: string; auth: RegistryCredentials }[];
  /** The claim token of a reserved template name. */
  claimToken?: string;
  /** Bypass the whole-build cache (as `skipCache()` does). */
  skipCache?: boolean;
}

/** A build request body as the server takes it. */
export interface BuildRequestBody {
  name?: string;
  tags?: string[];
  dockerfile?: string;
  base_image?: string;
  base_image_auth?: RegistryCredentials;
  steps?: Step[];
  start_cmd?: string;
  runtime_config?: { envs?: Record<string, string>; readiness?: Readiness };
  build_config?: { vcpus?: number; memory_mib?: number; disk_mb?: number; internet_access?: boolean };
  build_backend?: BuildBackend;
  build_args?: Record<string, string>;
  build_target?: string;
  build_envs?: Record<string, string>;
  build_secrets?: { id: string; value?: string }[];
  registry_auth?: { registry: string; auth: RegistryCredentials }[];
  build_context?: { context_manifest_id: string };
  skip_cache?: boolean;
  claim_token?: string;
}

/** Secrets given as a list or a map, as a list. */
function secretList(s: BuildRequestOptions['buildSecrets']): BuildSecret[] {
  if (!s) return [];
  return Array.isArray(s) ? s : Object.entries(s).map(([id, value]) => ({ id, value }));
}

/**
 * The request body for a definition and options. With `redact`, credentials and secret values are
 * left out (secret ids stay), so the result can be shown or logged.
 */
export function buildRequestBody(state: TemplateState, name: string | undefined, opts: BuildRequestOptions = {}, redact = false): BuildRequestBody {
  const body: BuildRequestBody = {};
  if (name !== undefined) body.name = name;
  if (opts.tags !== undefined) body.tags = [...opts.tags];
  const src = state.source;
  if (src.kind === 'dockerfile') {
    body.dockerfile = src.content;
    if (src.buildArgs) body.build_args = { ...src.buildArgs };
    if (src.target !== undefined) body.build_target = src.target;
  } else {
    body.base_image = src.ref;
    if (src.kind === 'image' && src.auth && !redact) body.base_image_auth = src.auth;
    if (state.steps.length > 0) body.steps = state.steps.map((s) => ({ ...s }));
  }
  if (state.startCmd !== undefined) body.start_cmd = state.startCmd;
  if (state.readiness || opts.runtimeEnvs) {
    body.runtime_config = {};
    if (opts.runtimeEnvs) body.runtime_config.envs = { ...opts.runtimeEnvs };
    if (state.readiness) body.runtime_config.readiness = { ...state.readiness };
  }
  const r = opts.resources;
  if (r) {
    body.build_config = {};
    if (r.vcpus !== undefined) body.build_config.vcpus = r.vcpus;
    if (r.memoryMib !== undefined) body.build_config.memory_mib = r.memoryMib;
    if (r.diskMb !== undefined) body.build_config.disk_mb = r.diskMb;
    if (r.internetAccess !== undefined) body.build_config.internet_access = r.internetAccess;
  }
  const secrets = [...state.secrets, ...secretList(opts.buildSecrets)];
  if (secrets.length) body.build_secrets = secrets.map((s) => (redact ? { id: s.id } : { id: s.id, value: s.value }));
  // Secrets are supported only by the buildkit backend, so asking for them chooses it.
  const backend = opts.buildBackend ?? (secrets.length ? 'buildkit' : undefined);
  if (backend) body.build_backend = backend;
  if (opts.buildEnvs) body.build_envs = { ...opts.buildEnvs };
  if (opts.registryAuth && !redact) body.registry_auth = opts.registryAuth.map((a) => ({ ...a }));
  if (state.skipCache || opts.skipCache) body.skip_cache = true;
  if (opts.claimToken !== undefined && !redact) body.claim_token = opts.claimToken;
  return body;
}

/** Whether a definition reads files from the build context: a copy step, or a Dockerfile COPY/ADD not from another stage. */
export function needsContext(state: TemplateState): boolean {
  if (state.source.kind !== 'dockerfile') return state.steps.some((s) => s.type === 'copy');
  return state.source.content.split(/\r?\n/).some((line) => /^\s*(COPY|ADD)\s/i.test(line) && !/--from[= ]/i.test(line));
}
