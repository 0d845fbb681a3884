/**
 * The in-memory tree of a build context being assembled: one node per path component, so that
 * walking a path costs its length however deep it is. Every entry's parents exist as directories
 * (missing ones are added with mode 0755), a later entry replaces an earlier one at the same path,
 * and no path may go through a symlink, climb out of the root or pass below a file.
 */
import type { ContextFile } from '../store/store.ts';
import { KilnError } from '../errors/errors.ts';

/** Mode of directories the tree adds because an entry below them needs them. */
export const IMPLICIT_DIR_MODE = 0o755;

/** Sum of all stored paths' lengths past which the context counts as too large, in characters. */
export const MAX_TOTAL_PATH_CHARS = 64 * 1024 * 1024;

interface Node {
  entry: ContextFile | null;
  children: Map<string, Node> | null;
}

/** Symlinks followed while resolving one path before it counts as a loop (Linux's limit). */
export const MAX_SYMLINK_HOPS = 40;

/** How a path resolves through the context's symlinks. */
export type Resolution =
  | { kind: 'inside'; path: string; entry: ContextFile | undefined }
  | { kind: 'escape'; via: string }
  | { kind: 'loop' }
  | { kind: 'budget' };

/** Where a path leads in the tree, or why it cannot be used. */
export type WalkResult =
  | { ok: true; names: string[] }
  | { ok: false; escape: boolean; reason: string };

/** A context's entries, kept as a tree of path components. */
export class ContextTree {
  private readonly root: Node = { entry: null, children: new Map() };
  private readonly maxEntries: number;
  private count = 0;
  private pathChars = 0;

  /** A tree that refuses to hold more than `maxEntries` entries (added parents included). */
  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  /** Number of entries, directories added for parents included. */
  get size(): number {
    return this.count;
  }

  /**
   * Walks a raw, relative path through the tree: `.` and empty components are skipped, `..` goes
   * up, and going through a symlink, below a file or above the root is refused.
   */
  walk(raw: string): WalkResult {
    if (raw.startsWith('/')) return { ok: false, escape: true, reason: 'is absolute' };
    const names: string[] = [];
    const nodes: (Node | undefined)[] = [this.root];
    for (const part of raw.split('/')) {
      if (part === '') continue;
      const top = nodes[nodes.length - 1];
      if (top?.entry?.type === 'symlink') {
        return { ok: false, escape: true, reason: `goes through the symlink ${top.entry.path}` };
      }
      if (top?.entry?.type === 'file') {
        return { ok: false, escape: false, reason: `goes below ${top.entry.path}, which is a file` };
      }
      if (part === '.') continue;
      if (part === '..') {
        if (names.length === 0) return { ok: false, escape: true, reason: 'uses .. to climb out of the context' };
        names.pop();
        nodes.pop();
        continue;
      }
      names.push(part);
      nodes.push(top?.children?.get(part));
    }
    return { ok: true, names };
  }

  /** The entry at a normalised path, if any. */
  get(path: string): ContextFile | undefined {
    if (path === '') return undefined;
    let node: Node | undefined = this.root;
    for (const part of path.split('/')) {
      node = node?.children?.get(part);
      if (!node) return undefined;
    }
    return node.entry ?? undefined;
  }

  /**
   * Resolves `path` component by component, following symlinks (each target read from the link's
   * directory) and reports whether the walk stays inside the root; missing components are taken as
   * plain names. Every component processed costs one of `budget.steps`.
   */
  resolve(path: string, budget: { steps: number }): Resolution {
    const queue = path.split('/').reverse();
    const nodes: (Node | undefined)[] = [this.root];
    const names: string[] = [];
    let hops = 0;
    let lastLink = path;
    while (queue.length > 0) {
      if (--budget.steps < 0) return { kind: 'budget' };
      const part = queue.pop() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (names.length === 0) return { kind: 'escape', via: lastLink };
        names.pop();
        nodes.pop();
        continue;
      }
      const child = nodes[nodes.length - 1]?.children?.get(part);
      const entry = child?.entry;
      if (entry?.type === 'symlink') {
        if (++hops > MAX_SYMLINK_HOPS) return { kind: 'loop' };
        lastLink = entry.path;
        const target = entry.target ?? '';
        if (target.startsWith('/')) return { kind: 'escape', via: lastLink };
        const parts = target.split('/');
        for (let i = parts.length - 1; i >= 0; i--) queue.push(parts[i]);
        continue;
      }
      names.push(part);
      nodes.push(child);
    }
    const last = nodes[nodes.length - 1];
    return { kind: 'inside', path: names.join('/'), entry: last?.entry ?? undefined };
  }

  /**
   * Places an entry at the path given by `names` (from {@link walk}); parents are added as
   * directories, and an existing entry there is replaced (a directory replacing a directory keeps
   * what is below it).
   */
  put(names: string[], entry: Omit<ContextFile, 'path'>): ContextFile {
    if (names.length === 0) throw new Error('the context root cannot be replaced');
    let node = this.root;
    let path = '';
    for (let i = 0; i < names.length; i++) {
      path = i === 0 ? names[0] : `${path}/${names[i]}`;
      if (node.entry && node.entry.type !== 'dir') throw new Error(`${node.entry.path} is not a directory`);
      node.children ??= new Map();
      let child = node.children.get(names[i]);
      const last = i === names.length - 1;
      if (!child) {
        this.grow(path);
        child = {
          entry: last ? { path, ...entry } : { path, type: 'dir', mode: IMPLICIT_DIR_MODE, size: 0 },
          children: null,
        };
        node.children.set(names[i], child);
      } else if (last) {
        if (!(child.entry?.type === 'dir' && entry.type === 'dir')) this.prune(child);
        child.entry = { path, ...entry };
      }
      node = child;
    }
    return node.entry as ContextFile;
  }

  /** Every entry, sorted by path (UTF-8 byte order). */
  files(): ContextFile[] {
    const out: ContextFile[] = [];
    const stack: Node[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      if (node.entry) out.push(node.entry);
      if (node.children) for (const child of node.children.values()) stack.push(child);
    }
    return sortByPath(out);
  }

  /**
   * Removes the entries `decide` drops, except directories with something kept below them, and
   * returns the top-most removed paths (a removed directory stands for everything below it).
   * `decide` sees each entry with the state its parent directory returned.
   */
  filter<S>(decide: (entry: ContextFile, parent: S | undefined) => { drop: boolean; state: S }): string[] {
    const removed: string[] = [];
    this.filterBelow(this.root, undefined, decide, removed);
    return removed;
  }

  private filterBelow<S>(
    node: Node,
    state: S | undefined,
    decide: (entry: ContextFile, parent: S | undefined) => { drop: boolean; state: S },
    removed: string[],
  ): boolean {
    if (!node.children) return false;
    let keepAny = false;
    for (const [name, child] of node.children) {
      const entry = child.entry as ContextFile;
      const verdict = decide(entry, state);
      const mark = removed.length;
      const keepBelow = this.filterBelow(child, verdict.state, decide, removed);
      if (!verdict.drop || keepBelow) {
        keepAny = true;
        continue;
      }
      removed.length = mark;
      removed.push(entry.path);
      this.prune(child);
      node.children.delete(name);
      this.count--;
      this.pathChars -= entry.path.length;
    }
    return keepAny;
  }

  private grow(path: string): void {
    this.count++;
    this.pathChars += path.length;
    if (this.count > this.maxEntries) {
      throw new KilnError('archive_too_large', `The build context has more than ${this.maxEntries} entries (at ${path}).`, { phase: 'context' });
    }
    if (this.pathChars > MAX_TOTAL_PATH_CHARS) {
      throw new KilnError('archive_too_large', `The build context's paths are longer than ${MAX_TOTAL_PATH_CHARS} characters in total (at ${path}).`, { phase: 'context' });
    }
  }

  private prune(node: Node): void {
    const stack: Node[] = node.children ? [...node.children.values()] : [];
    node.children = null;
    while (stack.length > 0) {
      const gone = stack.pop() as Node;
      this.count--;
      if (gone.entry) this.pathChars -= gone.entry.path.length;
      if (gone.children) for (const child of gone.children.values()) stack.push(child);
    }
  }
}

/** Sorts context files by path in UTF-8 byte order (the canonical order). */
export function sortByPath<T extends { path: string }>(files: T[]): T[] {
  const keyed = files.map((file) => ({ key: Buffer.from(file.path), file }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map((k) => k.file);
}
