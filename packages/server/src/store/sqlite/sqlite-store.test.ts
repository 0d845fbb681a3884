import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../create-store.ts';
import { runStoreSuite } from '../store-suite.ts';

let dir: string | undefined;

runStoreSuite('sqlite', async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-sqlite-store-'));
  return createStore({ dataDir: join(dir, 'data') });
}, async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});
