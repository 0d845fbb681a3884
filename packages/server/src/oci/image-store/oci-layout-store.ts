/**
 * A content-addressed OCI image layout under the data directory (`${dataDir}/oci`): blobs are
 * downloaded once and shared by every import; `index.json` names the images Kiln made itself
 * (builtin bases) by `org.opencontainers.image.ref.name`.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Descriptor } from '../oci-types.ts';

const REF_ANNOTATION = 'org.opencontainers.image.ref.name';
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** The layout's `index.json`. */
interface LayoutIndex {
  schemaVersion: 2;
  manifests: Descriptor[];
}

/** An OCI image layout used as Kiln's image blob cache. */
export class OciLayoutStore {
  /** The layout's root directory. */
  readonly root: string;
  private indexLock: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'oci');
  }

  /** Creates the layout (`oci-layout`, `blobs/sha256`, `index.json`) when missing. */
  async init(): Promise<void> {
    await mkdir(path.join(this.root, 'blobs', 'sha256'), { recursive: true, mode: 0o700 });
    await writeIfMissing(path.join(this.root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeIfMissing(path.join(this.root, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }));
  }

  /** The path of a blob (`sha256:<hex>`), whether or not it exists. */
  blobPath(digest: string): string {
    if (!DIGEST_RE.test(digest)) throw new RangeError(`not a sha256 digest: ${JSON.stringify(digest)}`);
    return path.join(this.root, 'blobs', 'sha256', digest.slice(7));
  }

  /** Whether a blob is stored. */
  async has(digest: string): Promise<boolean> {
    try {
      await access(this.blobPath(digest));
      return true;
    } catch {
      return false;
    }
  }

  /** A read stream of a stored blob. */
  open(digest: string): ReadStream {
    return createReadStream(this.blobPath(digest));
  }

  /** Reads a stored blob whole (manifests and configs). */
  async read(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  /** Stores bytes whose digest the caller has verified, atomically. */
  async put(digest: string, bytes: Uint8Array): Promise<void> {
    if (await this.has(digest)) return;
    const tmp = `${this.blobPath(digest)}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, bytes, { mode: 0o600 });
    await rename(tmp, this.blobPath(digest));
  }

  /** Names a manifest in `index.json` (replacing an earlier one of the same name). */
  async tag(name: string, manifest: Descriptor): Promise<void> {
    await this.withIndex((index) => {
      index.manifests = index.manifests.filter((m) => m.annotations?.[REF_ANNOTATION] !== name);
      index.manifests.push({ ...manifest, annotations: { ...manifest.annotations, [REF_ANNOTATION]: name } });
    });
  }

  /** Removes names from `index.json` (their blobs stay: other images may share them). */
  async untag(names: string[]): Promise<void> {
    const drop = new Set(names);
    await this.withIndex((index) => {
      index.manifests = index.manifests.filter((m) => !drop.has(m.annotations?.[REF_ANNOTATION] ?? ''));
    });
  }

  /** The manifest descriptor named `name`, if any. */
  async resolve(name: string): Promise<Descriptor | undefined> {
    const index = JSON.parse(await readFile(path.join(this.root, 'index.json'), 'utf8')) as LayoutIndex;
    return index.manifests.find((m) => m.annotations?.[REF_ANNOTATION] === name);
  }

  private async withIndex(change: (index: LayoutIndex) => void): Promise<void> {
    const run = this.indexLock.then(async () => {
      const file = path.join(this.root, 'index.json');
      const index = JSON.parse(await readFile(file, 'utf8')) as LayoutIndex;
      change(index);
      const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
      await writeFile(tmp, JSON.stringify(index, null, 2));
      await rename(tmp, file);
    });
    this.indexLock = run.catch(() => {});
    return run;
  }
}

async function writeIfMissing(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
