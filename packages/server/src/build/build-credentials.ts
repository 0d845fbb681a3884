/**
 * Request-time secrets of queued builds (`base_image_auth`, `registry_auth`, `build_secrets`),
 * held in this process's memory only, from the request until the build ends. They never reach
 * the store; after a restart they are gone and the build says it needs them again.
 */
import type { RegistryCredentials } from '../domain/schemas/common-schemas.ts';

/** The secrets one build was started with. */
export interface BuildCredentials {
  base_image_auth?: RegistryCredentials;
  registry_auth?: { registry: string; auth: RegistryCredentials }[];
  build_secrets?: { id: string; value: string }[];
}

/** An in-memory map from build id to its credentials. */
export class CredentialVault {
  private readonly byBuild = new Map<string, BuildCredentials>();

  /** Keeps a build's credentials (nothing is kept when there are none). */
  put(buildId: string, creds: BuildCredentials): void {
    if (creds.base_image_auth || creds.registry_auth?.length || creds.build_secrets?.length) this.byBuild.set(buildId, creds);
  }

  /** A build's credentials, if this process holds them. */
  get(buildId: string): BuildCredentials | undefined {
    return this.byBuild.get(buildId);
  }

  /** Forgets a build's credentials. */
  drop(buildId: string): void {
    this.byBuild.delete(buildId);
  }
}
