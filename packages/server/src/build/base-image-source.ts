/** Where a build reads its base image from, with the request-time credentials for its registry. */
import { KilnError } from '../errors/errors.ts';
import type { RegistryCredentials } from '../domain/schemas/common-schemas.ts';
import { BUILTIN_PREFIX } from '../domain/builtin-tenant.ts';
import { normalizeRegistry } from '../oci/image-reference.ts';
import type { OciLayoutStore } from '../oci/image-store/oci-layout-store.ts';
import type { RegistryClient } from '../oci/registry/registry-client.ts';
import { imageSourceFor } from '../oci/import/image-source-for.ts';
import type { ImageSource } from '../oci/import/image-source.ts';
import type { BuildCredentials } from './build-credentials.ts';

/**
 * The source of a build's base image. Throws `credentials_required` when the build was queued with
 * credentials this process no longer holds (it restarted since).
 */
export function baseImageSource(base: string, requiresAuth: boolean, creds: BuildCredentials | undefined, deps: { images: OciLayoutStore; client: RegistryClient }): ImageSource {
  if (requiresAuth && !creds && !base.startsWith(BUILTIN_PREFIX)) {
    throw new KilnError('credentials_required', `This build pulls ${base} with credentials, and this server no longer holds them (it restarted since the build was queued). Retry the build with base_image_auth or registry_auth.`, { phase: 'preparing' });
  }
  return imageSourceFor(base, { ...deps, credentials: (registry) => credentialsFor(registry, creds) });
}

/** The credentials for a registry: base_image_auth, or the registry_auth entry naming that host. */
function credentialsFor(registry: string, creds: BuildCredentials | undefined): RegistryCredentials | undefined {
  if (!creds) return undefined;
  if (creds.base_image_auth) return creds.base_image_auth;
  return creds.registry_auth?.find((r) => normalizeRegistry(r.registry) === registry)?.auth;
}
