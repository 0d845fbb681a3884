/** `kiln bases build NAME` and `kiln bases ls`. */
import type { Config } from '../../config.ts';
import { createStore } from '../../store/create-store.ts';
import { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import { BUILTIN_BASES, buildBuiltinBase } from '../../oci/builtin/builtin-bases.ts';

/** Builds a builtin base into the data directory and registers its template. */
export async function basesBuildCommand(config: Config, name: string): Promise<void> {
  const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const images = new OciLayoutStore(config.dataDir);
    await images.init();
    const started = performance.now();
    process.stdout.write(`building builtin base ${name}…\n`);
    const { ref, manifest } = await buildBuiltinBase(name, { store, images });
    process.stdout.write(`built ${ref} (${manifest.digest}) in ${((performance.now() - started) / 1000).toFixed(1)} s; use it as base_image, in FROM, or as a template base\n`);
  } finally {
    await store.close();
  }
}

/** Lists the builtin bases and whether each has been built here. */
export async function basesListCommand(config: Config): Promise<void> {
  const images = new OciLayoutStore(config.dataDir);
  await images.init();
  for (const [key, base] of Object.entries(BUILTIN_BASES)) {
    const desc = await images.resolve(base.ref);
    process.stdout.write(`${key.padEnd(16)} ${base.ref.padEnd(24)} ${desc ? `built ${desc.digest}` : 'not built'}\n`);
  }
}
