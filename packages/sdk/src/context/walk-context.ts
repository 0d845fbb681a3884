/**
 * Walks a local build context the way the Kiln server takes one in: `.dockerignore` applied with
 * Docker's rules, regular files hashed (sha256), directories and symlinks kept with their modes,
 * and what a context cannot hold (sockets, FIFOs, devices, symlinks leading outside, unreadable
 * files) reported as unsupported and left out. No network.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { ContextError } from '../errors.ts';
import { Dockerignore } from './dockerignore.ts';

/** One entry of a context, as its manifest lists it. */
export interface ContextEntry {
  /** Path relative to the context root, `/`-separated. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits. */
  mode: number;
  /** Bytes (files; 0 otherwise). */
  size: number;
  /** Content digest, 64 hex digits (files only). */
  sha256?: string;
  /** Link target (symlinks only), relative and inside the context. */
  target?: string;
}

/** An entry left out because a build context cannot hold it. */
export interface UnsupportedEntry {
  path: string;
  /** `socket`, `fifo`, `block-device`, `character-device`, `symlink` or `unreadable`. */
  kind: string;
  reason: string;
}

/** A walked context. */
export interface WalkedContext {
  /** The context directory, absolute. */
  root: string;
  /** Kept entries, sorted by path (UTF-8 byte order). */
  files: ContextEntry[];
  /** Top-most paths `.dockerignore` left out (a directory stands for everything below it). */
  ignored: string[];
  unsupported: UnsupportedEntry[];
}

/** Largest `.dockerignore` the server reads. */
const MAX_DOCKERIGNORE_BYTES = 1024 * 1024;
/** Files hashed at once. */
const HASH_CONCURRENCY = 8;

/** The sha256 (hex) of a file's content, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Sorts entries by path in UTF-8 byte order (the server's canonical order). */
export function sortByPath<T extends { path: string }>(items: T[]): T[] {
  return items.map((item) => ({ key: Buffer.from(item.path), item })).sort((a, b) => Buffer.compare(a.key, b.key)).map((k) => k.item);
}

/** Why a symlink target leaves the context (absolute, or climbing above the root), or undefined when it stays inside. */
function linkEscape(linkPath: string, target: string): string | undefined {
  if (target === '') return 'has an empty target';
  if (target.startsWith('/')) return `points to the absolute path ${target}`;
  const dir = path.posix.dirname(linkPath);
  const joined = path.posix.normalize(dir === '.' ? target : `${dir}/${target}`);
  if (joined === '..' || joined.startsWith('../')) return `points to ${target}, outside the context`;
  return undefined;
}

function specialKind(st: { isSocket(): boolean; isFIFO(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string | undefined {
  if (st.isSocket()) return 'socket';
  if (st.isFIFO()) return 'fifo';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isCharacterDevice()) return 'character-device';
  return undefined;
}

/** Reads and compiles the root's `.dockerignore`, if there is one. */
async function loadDockerignore(root: string): Promise<Dockerignore | undefined> {
  const file = path.join(root, '.dockerignore');
  const st = await lstat(file).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isFile()) throw new ContextError(`.dockerignore at the context root must be a regular file (${file}).`, { code: 'invalid_context', phase: 'context' });
  if (st.size > MAX_DOCKERIGNORE_BYTES) throw new ContextError(`.dockerignore is larger than ${MAX_DOCKERIGNORE_BYTES} bytes (${file}).`, { code: 'invalid_context', phase: 'context' });
  try {
    return new Dockerignore(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ContextError(`${(err as Error).message} (${file}).`, { code: 'invalid_context', phase: 'context', cause: err });
  }
}

/** Runs `fn` over `items`, `limit` at a time. */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Walks the context directory `root`: applies its `.dockerignore`, hashes the kept files and
 * lists what is left out. Throws ContextError when `root` is not a directory or `.dockerignore`
 * is unusable.
 */
export async function walkContext(root: string): Promise<WalkedContext> {
  const abs = path.resolve(root);
  const st = await lstat(abs).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new ContextError(`The build context ${abs} is not a directory: pass contextPath as the directory the copy steps read from.`, { code: 'invalid_context', phase: 'context' });
  }
  const ignore = await loadDockerignore(abs);
  const files: ContextEntry[] = [];
  const toHash: ContextEntry[] = [];
  const ignored: string[] = [];
  const unsupported: UnsupportedEntry[] = [];

  /** Walks one directory; returns whether anything below it is kept. */
  const walk = async (dir: string, rel: string, parentFlags: boolean[] | undefined): Promise<boolean> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      unsupported.push({ path: rel || '.', kind: 'unreadable', reason: `cannot be listed (${(err as NodeJS.ErrnoException).code ?? err})` });
      return false;
    }
    let keepAny = false;
    for (const name of names) {
      const p = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, name);
      const flags = ignore?.flags(p, parentFlags);
      const excluded = ignore && flags ? ignore.excludedBy(flags) : false;
      const s = await lstat(full).catch(() => undefined);
      if (!s) {
        if (!excluded) unsupported.push({ path: p, kind: 'unreadable', reason: 'vanished or cannot be read' });
        continue;
      }
      const mode = s.mode & 0o7777;
      if (s.isDirectory()) {
        if (excluded && !ignore?.hasExceptions) {
          ignored.push(p);
          continue;
        }
        const mark = ignored.length;
        const entry: ContextEntry = { path: p, type: 'dir', mode, size: 0 };
        const at = files.length;
        files.push(entry);
        const below = await walk(full, p, flags);
        if (!excluded || below) {
          keepAny = true;
        } else {
          // Nothing kept below an excluded directory: it is left out as a whole.
          files.splice(at);
          ignored.length = mark;
          ignored.push(p);
        }
        continue;
      }
      if (excluded) {
        ignored.push(p);
        continue;
      }
      const special = specialKind(s);
      if (special) {
        unsupported.push({ path: p, kind: special, reason: `is a ${special.replace('-', ' ')}; a build context holds only files, directories and symlinks` });
        continue;
      }
      if (s.isSymbolicLink()) {
        const target = await readlink(full);
        const escape = linkEscape(p, target);
        if (escape) {
          unsupported.push({ path: p, kind: 'symlink', reason: `is a symlink that ${escape}` });
          continue;
        }
        files.push({ path: p, type: 'symlink', mode, size: 0, target });
        keepAny = true;
        continue;
      }
      const entry: ContextEntry = { path: p, type: 'file', mode, size: s.size };
      files.push(entry);
      toHash.push(entry);
      keepAny = true;
    }
    return keepAny;
  };

  await walk(abs, '', undefined);
  const unreadable = new Set<ContextEntry>();
  await forEachLimited(toHash, HASH_CONCURRENCY, async (entry) => {
    try {
      entry.sha256 = await hashFile(path.join(abs, entry.path));
    } catch (err) {
      unreadable.add(entry);
      unsupported.push({ path: entry.path, kind: 'unreadable', reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? err})` });
    }
  });
  return {
    root: abs,
    files: sortByPath(files.filter((f) => !unreadable.has(f))),
    ignored: [...ignored].sort(),
    unsupported: sortByPath(unsupported),
  };
}
