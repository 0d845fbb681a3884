/**
 * The per-step layer cache: `<dataDir>/layers/<key>`, one directory per step that ran, holding
 * the overlayfs upper directory the step left (its filesystem change, whiteouts included). A
 * step's key chains the previous step's key, the step's definition and the digests of the
 * context files it reads, so a layer is reused only on top of the very same layers.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** The key of a step: sha256 over the previous key, the step's definition and its inputs. */
export function stepKey(previous: string, definition: unknown, inputs: string[] = []): string {
  const h = createHash('sha256');
  h.update(previous).update('\0').update(JSON.stringify(definition)).update('\0');
  for (const i of inputs) h.update(i).update('\n');
  return h.digest('hex');
}

/** Stored step layers. */
export class LayerCache {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'layers');
  }

  /** The directory of a key's layer (short, so many fit in one overlay mount's options). */
  dirFor(key: string): string {
    return path.join(this.root, key.slice(0, 32));
  }

  /** The stored layer of a key, if any. */
  async get(key: string): Promise<string | undefined> {
    const dir = this.dirFor(key);
    return (await stat(dir).catch(() => undefined))?.isDirectory() ? dir : undefined;
  }

  /** Moves a finished step's upper directory into the cache and returns where it now lives. */
  async put(key: string, upper: string): Promise<string> {
    const dir = this.dirFor(key);
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    try {
      await rename(upper, dir);
    } catch (err) {
      // The same step finished in another build first: keep that one.
      if (!['EEXIST', 'ENOTEMPTY'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      await rm(upper, { recursive: true, force: true });
    }
    return dir;
  }
}

/** Whether a layer directory holds no change at all (such layers are left out of mounts). */
export async function isEmptyLayer(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}
