/** The embedded worker with every executor this server has. */
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import type { Services } from '../domain/services.ts';
import { OciLayoutStore } from '../oci/image-store/oci-layout-store.ts';
import { RegistryClient } from '../oci/registry/registry-client.ts';
import { ImageImportExecutor } from './executors/image-import-executor.ts';
import { BuildWorker } from './worker.ts';

/** Lease length; a build whose worker died is retried after this long. */
export const LEASE_MS = 15_000;
const HEARTBEAT_MS = 1_000;
const POLL_MS = 1_000;
const MAX_ATTEMPTS = 2;

/** Creates (without starting) the worker and the resources it owns; `close` frees them after `stop`. */
export async function createWorker(config: Config, store: Store, services: Services, log: (err: unknown, buildId: string) => void): Promise<{ worker: BuildWorker; close: () => Promise<void> }> {
  const images = new OciLayoutStore(config.dataDir);
  await images.init();
  const client = new RegistryClient(config.registry);
  const executors = [new ImageImportExecutor({ images, client, limits: { maxLayerBytes: config.layerMaxBytes, maxImageBytes: config.imageMaxBytes } })];
  const worker = new BuildWorker({ store, executors, vault: services.vault, events: services.events, onError: log }, {
    concurrency: config.buildConcurrency, leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS, pollMs: POLL_MS,
    maxAttempts: MAX_ATTEMPTS, dataDir: config.dataDir,
  });
  return { worker, close: () => client.close() };
}
