/** The domain services, wired once from configuration and the store. */
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import { StoreQueue } from '../queue/store-queue.ts';
import { CredentialVault } from '../build/build-credentials.ts';
import { BuildEvents } from '../build/build-events.ts';
import { ArtifactService } from '../build/artifacts/artifact-service.ts';
import { AuthService } from './auth-service.ts';
import { BuildService } from './build-service.ts';
import { ContextService } from './context-service.ts';
import { PlanService } from './plan-service.ts';
import { TemplateService } from './templates/template-service.ts';

/** Every service the API calls, and what the embedded worker shares with them. */
export interface Services {
  auth: AuthService;
  plans: PlanService;
  builds: BuildService;
  contexts: ContextService;
  /** Request-time credentials of queued builds, in memory only. */
  vault: CredentialVault;
  /** Queued / cancelled notices for the embedded worker. */
  events: BuildEvents;
  /** Artifact downloads, promotion and retention; its image store is shared with the worker. */
  artifacts: ArtifactService;
  /** Template refs and versioning: get, list, tags, aliases, name reservations, rename, visibility, delete. */
  templates: TemplateService;
}

/** Creates the services; `generatedKey` is set when a first start made an API key. */
export async function createServices(config: Config, store: Store): Promise<{ services: Services; generatedKey?: string }> {
  const { auth, generatedKey } = await AuthService.init(store, config.apiKeys);
  const contexts = await ContextService.create(config, store);
  const deps = { store, contexts };
  const vault = new CredentialVault();
  const events = new BuildEvents();
  return {
    services: {
      auth, plans: new PlanService(deps), builds: new BuildService(store, new StoreQueue(), deps, { vault, events }),
      contexts, vault, events, artifacts: await ArtifactService.create(config, store),
      templates: new TemplateService(store, { retentionMs: config.artifactRetentionHours * 3600_000 }),
    },
    generatedKey,
  };
}
