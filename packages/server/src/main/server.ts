/** Starts Kiln: store, services and the HTTP server, as one process. */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { createStore } from '../store/create-store.ts';
import type { Store } from '../store/store.ts';
import { createServices } from '../domain/services.ts';
import { buildApp } from '../api/app.ts';
import { createWorker } from '../build/create-worker.ts';

/** A running Kiln server. */
export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  /** The base URL it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The API key created on a first start without KILN_API_KEYS. */
  generatedKey?: string;
  /** Stops the server and closes the store. */
  close(): Promise<void>;
}

/** Opens the store, wires the services and listens. */
export async function startServer(config: Config, opts: { logger?: boolean } = {}): Promise<RunningServer> {
  const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const { services, generatedKey } = await createServices(config, store);
    const app = await buildApp({
      services,
      bodyLimitBytes: config.bodyLimitBytes,
      logger: opts.logger === false ? false : { level: config.logLevel },
    });
    const embedded = config.worker === 'embedded'
      ? await createWorker(config, store, services, (err, buildId) => app.log.error({ err, buildId }, 'build attempt failed outside its phases; it will run again when its lease expires'))
      : undefined;
    await app.listen({ host: config.host, port: config.port });
    embedded?.worker.start();
    const collector = services.artifacts.startCollector((err) => app.log.error({ err }, 'artifact retention collection failed; it runs again later'));
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      app, store, url: `http://${host}:${port}`, generatedKey,
      async close() {
        await app.close();
        await services.artifacts.close();
        await collector.stop();
        await embedded?.worker.stop();
        await embedded?.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
