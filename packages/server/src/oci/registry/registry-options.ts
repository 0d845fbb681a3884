/** Options of the registry client and their parsing from the environment. */
import { readFileSync } from 'node:fs';
import { KilnError } from '../../errors/errors.ts';
import { normalizeRegistry } from '../image-reference.ts';

/** How the registry client reaches registries. */
export interface RegistryClientOptions {
  /** Mirrors per registry host, tried in order before the registry itself, e.g. {"docker.io": ["127.0.0.1:5000"]}. */
  mirrors?: Record<string, string[]>;
  /** Hosts spoken to over plain HTTP (everything else is HTTPS). */
  insecure?: ReadonlySet<string>;
  /** Extra trusted CA certificates (PEM). */
  caCerts?: string[];
  /** Attempts for 5xx / dropped connections, with exponential backoff and jitter (default 4). */
  retries?: number;
  /** Per-request timeout without progress (default 30 s). */
  timeoutMs?: number;
  /** Read a registry that has mirrors from its mirrors only, never from the registry itself (air-gapped hosts; default false). */
  mirrorsOnly?: boolean;
  /** First backoff delay between attempts, doubled each time (default 250 ms). */
  retryDelayMs?: number;
}

const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?$|^\[[0-9a-fA-F:.]+\](?::[0-9]{1,5})?$/;

/** Checks one `host[:port]` value of a variable; throws naming the variable and the value. */
function host(variable: string, value: string): string {
  if (!HOST.test(value)) {
    throw new KilnError('invalid_request',
      `${variable}: ${JSON.stringify(value)} is not a registry host (expected host or host:port, without scheme or path).`);
  }
  return value.toLowerCase();
}

/** Splits a comma-separated list, dropping empty items. */
function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses `KILN_REGISTRY_MIRRORS` (`docker.io=127.0.0.1:5000,mirror2;ghcr.io=…`). */
function parseMirrors(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of raw.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new KilnError('invalid_request',
        `KILN_REGISTRY_MIRRORS: ${JSON.stringify(part)} is not of the form registry=mirror[,mirror…].`);
    }
    const registry = normalizeRegistry(host('KILN_REGISTRY_MIRRORS', part.slice(0, eq).trim()));
    const mirrors = list(part.slice(eq + 1)).map((m) => host('KILN_REGISTRY_MIRRORS', m));
    if (mirrors.length === 0) {
      throw new KilnError('invalid_request', `KILN_REGISTRY_MIRRORS: ${JSON.stringify(part)} names no mirror.`);
    }
    out[registry] = [...(out[registry] ?? []), ...mirrors];
  }
  return out;
}

/** Reads the PEM files of `KILN_REGISTRY_CA_FILES`. */
function readCaFiles(raw: string): string[] {
  return list(raw).map((path) => {
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'unreadable';
      throw new KilnError('invalid_request', `KILN_REGISTRY_CA_FILES: ${JSON.stringify(path)} cannot be read (${code}).`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new KilnError('invalid_request', `KILN_REGISTRY_CA_FILES: ${JSON.stringify(path)} holds no PEM certificate.`);
    }
    return pem;
  });
}

/**
 * Registry options from KILN_REGISTRY_MIRRORS, KILN_REGISTRY_MIRRORS_ONLY, KILN_INSECURE_REGISTRIES and KILN_REGISTRY_CA_FILES;
 * throws a KilnError naming a bad value.
 */
export function registryOptionsFromEnv(env: Record<string, string | undefined> = process.env): RegistryClientOptions {
  const opts: RegistryClientOptions = {};
  if (env.KILN_REGISTRY_MIRRORS?.trim()) opts.mirrors = parseMirrors(env.KILN_REGISTRY_MIRRORS);
  if (env.KILN_INSECURE_REGISTRIES?.trim()) {
    opts.insecure = new Set(list(env.KILN_INSECURE_REGISTRIES).map((h) => normalizeRegistry(host('KILN_INSECURE_REGISTRIES', h))));
  }
  if (env.KILN_REGISTRY_CA_FILES?.trim()) opts.caCerts = readCaFiles(env.KILN_REGISTRY_CA_FILES);
  const only = env.KILN_REGISTRY_MIRRORS_ONLY?.trim().toLowerCase();
  if (only) {
    if (!['1', 'true', '0', 'false'].includes(only)) {
      throw new KilnError('invalid_request', `KILN_REGISTRY_MIRRORS_ONLY=${JSON.stringify(env.KILN_REGISTRY_MIRRORS_ONLY)} is not true, false, 1 or 0.`);
    }
    opts.mirrorsOnly = only === '1' || only === 'true';
  }
  return opts;
}
