/** The domain services, wired once from configuration and the store. */
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import { StoreQueue } from '../queue/store-queue.ts';
import { AuthService } from './auth-service.ts';
import { BuildService } from './build-service.ts';
import { ContextService } from './context-service.ts';
import { PlanService } from './plan-service.ts';

/** Every service the API calls. */
export interface Services {
  auth: AuthService;
  plans: PlanService;
  builds: BuildService;
  contexts: ContextService;
}

/** Creates the services; `generatedKey` is set when a first start made an API key. */
export async function createServices(config: Config, store: Store): Promise<{ services: Services; generatedKey?: string }> {
  const { auth, generatedKey } = await AuthService.init(store, config.apiKeys);
  const contexts = await ContextService.create(config, store);
  const deps = { store, contexts };
  return {
    services: { auth, plans: new PlanService(deps), builds: new BuildService(store, new StoreQueue(), deps), contexts },
    generatedKey,
  };
}
