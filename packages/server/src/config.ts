/**
 * Kiln's configuration, parsed once from the environment and passed to constructors.
 * Nothing reads process.env anywhere else.
 */
import path from 'node:path';
import { KilnError } from './errors/errors.ts';
import { BUILTIN_TENANT } from './domain/builtin-tenant.ts';
import { registryOptionsFromEnv, type RegistryClientOptions } from './oci/registry/registry-options.ts';

/** Parsed configuration. */
export interface Config {
  /** Address the HTTP server binds (KILN_HOST, default 127.0.0.1). */
  host: string;
  /** Port the HTTP server binds (KILN_PORT, default 8080; 0 picks a free one). */
  port: number;
  /** Where SQLite, blobs and artifacts live (KILN_DATA_DIR, default ./.kiln). */
  dataDir: string;
  /** PostgreSQL URL for the scale-out store (KILN_DATABASE_URL); SQLite under dataDir when unset. */
  databaseUrl: string | undefined;
  /** API keys from KILN_API_KEYS (`key=tenant,…`); undefined means "generate one on first start". */
  apiKeys: Map<string, string> | undefined;
  /** Largest JSON request body, in bytes (KILN_BODY_LIMIT_BYTES, default 16 MiB). */
  bodyLimitBytes: number;
  /** Largest uploaded context archive, in bytes (KILN_CONTEXT_MAX_BYTES, default 512 MiB). */
  contextMaxBytes: number;
  /** Largest expanded context, in bytes (KILN_CONTEXT_MAX_EXPANDED_BYTES, default 2 GiB). */
  contextMaxExpandedBytes: number;
  /** Most files in one context (KILN_CONTEXT_MAX_FILES, default 100,000). */
  contextMaxFiles: number;
  /** pino log level (KILN_LOG_LEVEL, default info). */
  logLevel: string;
  /** Most bytes one image layer may expand to (KILN_LAYER_MAX_BYTES, default 8 GiB). */
  layerMaxBytes: number;
  /** Most bytes all layers of an image may expand to (KILN_IMAGE_MAX_BYTES, default 32 GiB). */
  imageMaxBytes: number;
  /** Whether this process runs builds (KILN_WORKER: `embedded`, the default, or `off`). */
  worker: 'embedded' | 'off';
  /** Builds one worker runs at once (KILN_BUILD_CONCURRENCY, default 2). */
  buildConcurrency: number;
  /** Hours an untagged build artifact is kept before it is collected (KILN_ARTIFACT_RETENTION_HOURS, default 168). */
  artifactRetentionHours: number;
  /** Registry mirrors, plain-HTTP registries and extra CAs (KILN_REGISTRY_MIRRORS, KILN_INSECURE_REGISTRIES, KILN_REGISTRY_CA_FILES). */
  registry: RegistryClientOptions;
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new KilnError('invalid_request', `${name}=${JSON.stringify(raw)} is not a whole number from ${min} to ${max}.`);
  }
  return n;
}

function workerMode(raw: string | undefined): 'embedded' | 'off' {
  if (raw === undefined || raw === '' || raw === 'embedded') return 'embedded';
  if (raw === 'off') return 'off';
  throw new KilnError('invalid_request', `KILN_WORKER=${JSON.stringify(raw)} must be "embedded" or "off".`);
}

/** Parses `key=tenant,key2=tenant2` into a map from key to tenant id. */
export function parseApiKeys(raw: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    const tenant = eq > 0 ? part.slice(eq + 1).trim() : '';
    if (!key || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant)) {
      throw new KilnError('invalid_request',
        'KILN_API_KEYS must be comma-separated key=tenant pairs; tenant ids use letters, digits, "_" and "-" (at most 64).');
    }
    if (tenant === BUILTIN_TENANT) throw new KilnError('invalid_request', `KILN_API_KEYS: tenant "${BUILTIN_TENANT}" is reserved for builtin templates.`);
    if (key.length < 16) throw new KilnError('invalid_request', `KILN_API_KEYS: the key for tenant ${tenant} is shorter than 16 characters.`);
    keys.set(key, tenant);
  }
  if (keys.size === 0) throw new KilnError('invalid_request', 'KILN_API_KEYS is set but names no key.');
  return keys;
}

/** Reads the configuration from `env` (process.env by default); throws a KilnError naming a bad variable. */
export function loadConfig(env: Env = process.env): Config {
  return {
    host: env.KILN_HOST || '127.0.0.1',
    port: intVar(env, 'KILN_PORT', 8080, 0, 65535),
    dataDir: path.resolve(env.KILN_DATA_DIR || '.kiln'),
    databaseUrl: env.KILN_DATABASE_URL || undefined,
    apiKeys: env.KILN_API_KEYS ? parseApiKeys(env.KILN_API_KEYS) : undefined,
    bodyLimitBytes: intVar(env, 'KILN_BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    contextMaxBytes: intVar(env, 'KILN_CONTEXT_MAX_BYTES', 512 * 1024 * 1024, 1024, 2 ** 40),
    contextMaxExpandedBytes: intVar(env, 'KILN_CONTEXT_MAX_EXPANDED_BYTES', 2 * 1024 ** 3, 1024, 2 ** 42),
    contextMaxFiles: intVar(env, 'KILN_CONTEXT_MAX_FILES', 100_000, 1, 10_000_000),
    logLevel: env.KILN_LOG_LEVEL || 'info',
    layerMaxBytes: intVar(env, 'KILN_LAYER_MAX_BYTES', 8 * 1024 ** 3, 1024, 2 ** 50),
    imageMaxBytes: intVar(env, 'KILN_IMAGE_MAX_BYTES', 32 * 1024 ** 3, 1024, 2 ** 50),
    registry: registryOptionsFromEnv(env),
    worker: workerMode(env.KILN_WORKER),
    buildConcurrency: intVar(env, 'KILN_BUILD_CONCURRENCY', 2, 1, 64),
    artifactRetentionHours: intVar(env, 'KILN_ARTIFACT_RETENTION_HOURS', 168, 0, 87_600),
  };
}
