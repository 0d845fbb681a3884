/** The embedded worker with every executor this server has. */
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import type { Services } from '../domain/services.ts';
import { RegistryClient } from '../oci/registry/registry-client.ts';
import { ImageImportExecutor } from './executors/image-import-executor.ts';
import { NativeExecutor } from './executors/native-executor.ts';
import { BaseRootfsCache } from './native/base-rootfs-cache.ts';
import { LayerCache } from './native/layer-cache.ts';
import { BlobStore } from '../context/blob-store.ts';
import { DockerfileExecutor } from './executors/dockerfile-executor.ts';
import { BuildahHost } from './buildah/buildah-host.ts';
import { BuildWorker } from './worker.ts';
import { FinalizeArtifactWriter } from './artifacts/finalize-artifact-writer.ts';

/** Lease length; a build whose worker died is retried after this long. */
export const LEASE_MS = 15_000;
const HEARTBEAT_MS = 1_000;
const POLL_MS = 1_000;
const MAX_ATTEMPTS = 2;

/** Creates (without starting) the worker and the resources it owns; `close` frees them after `stop`. */
export async function createWorker(config: Config, store: Store, services: Services, log: (err: unknown, buildId: string) => void): Promise<{ worker: BuildWorker; close: () => Promise<void> }> {
  const images = services.artifacts.images;
  const client = new RegistryClient(config.registry);
  const limits = { maxLayerBytes: config.layerMaxBytes, maxImageBytes: config.imageMaxBytes };
  const blobs = new BlobStore(config.dataDir);
  const bases = new BaseRootfsCache(config.dataDir, images, limits);
  const executors = [
    new ImageImportExecutor({ images, client, limits }),
    new NativeExecutor({ store, images, client, blobs, bases, layers: new LayerCache(config.dataDir) }),
    new DockerfileExecutor({ store, images, blobs, bases, host: new BuildahHost(config.dataDir), registry: config.registry, limits }),
  ];
  const artifacts = new FinalizeArtifactWriter({ store, images, dataDir: config.dataDir, retentionMs: config.artifactRetentionHours * 3600_000 });
  const worker = new BuildWorker({ store, executors, artifacts, vault: services.vault, events: services.events, onError: log }, {
    concurrency: config.buildConcurrency, leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS, pollMs: POLL_MS,
    maxAttempts: MAX_ATTEMPTS, dataDir: config.dataDir,
  });
  return { worker, close: () => client.close() };
}
