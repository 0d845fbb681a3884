/**
 * Registry settings in the forms buildah reads: a registries.conf with Kiln's mirrors
 * (KILN_REGISTRY_MIRRORS, KILN_REGISTRY_MIRRORS_ONLY) and plain-HTTP registries
 * (KILN_INSECURE_REGISTRIES), and an auth file (`--authfile`) with a build's credentials.
 */
import { KilnError } from '../../errors/errors.ts';
import type { RegistryCredentials } from '../../domain/schemas/common-schemas.ts';
import { normalizeRegistry } from '../../oci/image-reference.ts';
import type { RegistryClientOptions } from '../../oci/registry/registry-options.ts';

const toml = (s: string) => JSON.stringify(s);

/** registries.conf text: short names resolve on Docker Hub, mirrors are tried first, insecure hosts speak HTTP. */
export function registriesConf(opts: RegistryClientOptions): string {
  const insecure = opts.insecure ?? new Set<string>();
  const flag = (host: string) => `insecure = ${insecure.has(normalizeRegistry(host))}`;
  const out = ['unqualified-search-registries = ["docker.io"]', 'short-name-mode = "permissive"', ''];
  const covered = new Set<string>();
  for (const [registry, mirrors] of Object.entries(opts.mirrors ?? {})) {
    if (mirrors.length === 0) continue;
    const location = opts.mirrorsOnly ? mirrors[0] : registry;
    const rest = opts.mirrorsOnly ? mirrors.slice(1) : mirrors;
    out.push('[[registry]]', `prefix = ${toml(registry)}`, `location = ${toml(location)}`, flag(location));
    for (const m of rest) out.push('[[registry.mirror]]', `location = ${toml(m)}`, flag(m));
    out.push('');
    covered.add(registry);
  }
  for (const host of insecure) {
    if (covered.has(host)) continue;
    out.push('[[registry]]', `location = ${toml(host)}`, 'insecure = true', '');
  }
  return out.join('\n');
}

/** One registry and the credentials to use with it. */
export interface RegistryLogin {
  registry: string;
  auth: RegistryCredentials;
}

/** The auth file (containers-auth.json) for these logins; AWS credentials are refused with a clear message. */
export function authFile(logins: RegistryLogin[]): string {
  const auths: Record<string, Record<string, string>> = {};
  for (const { registry, auth } of logins) {
    const host = normalizeRegistry(registry);
    if ('aws_access_key_id' in auth) {
      throw new KilnError('registry_auth_failed', `${host}: AWS (ECR) credentials are not supported yet; give {"username": "AWS", "password": <output of aws ecr get-login-password>} instead.`, { phase: 'preparing' });
    }
    auths[host] = 'token' in auth
      ? { identitytoken: auth.token }
      : { auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') };
  }
  return JSON.stringify({ auths });
}
