/**
 * The applier's view of the root filesystem during one layer: resolves an entry's parent
 * directory inside the root (as a chroot would, see rootfs-paths.ts), creating missing parents
 * when asked, and remembers what it verified (real directories, symlinks passed through, and the
 * resolution of each parent name) so that later entries in the same directories cost no syscalls.
 * Whatever changes the type of a remembered path must call {@link LayerTree.forget} first.
 */
import { readlink } from 'node:fs/promises';
import { lstatOrNull, mkdirPath } from './fs-ops.ts';
import { expandLink, joinRel, MAX_SYMLINK_HOPS, NotADirectoryError, parentRel, SymlinkLoopError } from './rootfs-paths.ts';

const S_ISGID = 0o2000;

/** Resolves and remembers directories of one root filesystem while a layer is applied. */
export class LayerTree {
  /** Absolute path of the root filesystem. */
  readonly root: string;
  /** Real directories verified or created, relative to the root, with whether each has the setgid bit. */
  private readonly dirs = new Map<string, boolean>();
  /** Symlinks a walk went through. */
  private readonly links = new Set<string>();
  /** Parent names as written in entries, resolved to real directories. */
  private readonly parents = new Map<string, string>();
  private readonly waitFor: (rel: string) => Promise<void> | undefined;

  /** `waitFor` returns the pending write of a path, which a walk must let finish before looking there. */
  constructor(root: string, waitFor: (rel: string) => Promise<void> | undefined) {
    this.root = root;
    this.waitFor = waitFor;
    this.dirs.set('', false);
  }

  /** The absolute path of a real relative path. */
  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** Whether the walks of this layer rely on what is at `rel` (a directory or a symlink passed through). */
  relies(rel: string): boolean {
    return this.dirs.has(rel) || this.links.has(rel);
  }

  /** Whether `rel` is a directory this layer created or verified. */
  isDir(rel: string): boolean {
    return this.dirs.has(rel);
  }

  /** Whether new files in directory `rel` take its group (setgid), when known. */
  setgid(rel: string): boolean {
    return this.dirs.get(rel) ?? true;
  }

  /** Records that `rel` is now a real directory. */
  noteDir(rel: string, setgid: boolean): void {
    this.dirs.set(rel, setgid);
  }

  /** Drops everything remembered, after the caller made sure no write is pending. */
  forget(): void {
    this.dirs.clear();
    this.links.clear();
    this.parents.clear();
    this.dirs.set('', false);
  }

  /**
   * The real directory (relative to the root) that the cleaned components `parts` name,
   * following symlinks inside the root. Missing directories are created (mode 0755) when
   * `create`; otherwise a missing one gives null. Throws an ENOTDIR- or ELOOP-coded error.
   */
  async resolveDir(parts: string[], create: boolean): Promise<string | null> {
    if (parts.length === 0) return '';
    const key = parts.join('/');
    const known = this.parents.get(key);
    if (known !== undefined) return known;
    const queue = parts.slice();
    let cur = '';
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift() as string;
      if (part === '..') {
        cur = parentRel(cur);
        continue;
      }
      const cand = joinRel(cur, part);
      const pending = this.waitFor(cand);
      if (pending) await pending;
      if (this.dirs.has(cand)) {
        cur = cand;
        continue;
      }
      const st = await lstatOrNull(this.abs(cand));
      if (st === null) {
        if (!create) return null;
        await mkdirPath(this.abs(cand), 0o755);
        this.dirs.set(cand, this.setgid(cur));
        cur = cand;
      } else if (st.isDirectory()) {
        this.dirs.set(cand, (st.mode & S_ISGID) !== 0);
        cur = cand;
      } else if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw new SymlinkLoopError(`too many levels of symbolic links at ${JSON.stringify(cand)}`);
        this.links.add(cand);
        if (expandLink(await readlink(this.abs(cand)), queue)) cur = '';
      } else {
        throw new NotADirectoryError(`${JSON.stringify(cand)} is not a directory`);
      }
    }
    this.parents.set(key, cur);
    return cur;
  }
}
