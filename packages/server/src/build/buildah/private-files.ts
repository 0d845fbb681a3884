/**
 * A private directory for a build's secret files (build secrets, the registry auth file): on a
 * memory file system when the machine has one (`/dev/shm`, `/run`), never under the data
 * directory, mode 0700 with files 0600, and removed (with its contents) when the build ends.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/dev/shm', '/run'];

/** The first writable memory-backed directory, else the system temp directory. */
async function privateRoot(): Promise<string> {
  for (const dir of CANDIDATES) {
    try {
      await access(dir, constants.W_OK);
      return dir;
    } catch { /* next */ }
  }
  return tmpdir();
}

/** A directory of secret files that lives until {@link PrivateFiles.remove}. */
export class PrivateFiles {
  /** The directory's path. */
  readonly dir: string;
  private counter = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates a fresh directory (mode 0700). */
  static async create(): Promise<PrivateFiles> {
    return new PrivateFiles(await mkdtemp(path.join(await privateRoot(), 'kiln-secrets-')));
  }

  /** Writes `content` to a new file (mode 0600) named after `label` and returns its path. */
  async write(label: string, content: string): Promise<string> {
    const file = path.join(this.dir, `${this.counter++}-${label.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    await writeFile(file, content, { mode: 0o600, flag: 'wx' });
    return file;
  }

  /** Removes the directory and everything in it. */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
