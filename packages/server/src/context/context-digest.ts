/**
 * The canonical digest of a build context: equal content gives an equal digest, whatever the
 * archive order, owners or modification times.
 */
import { createHash } from 'node:crypto';
import type { ContextFile } from '../store/store.ts';
import { sortByPath } from './context-tree.ts';

/**
 * The line one file contributes: a JSON array of path, type, permission bits (octal text), size
 * and content digest (files) or link target (symlinks), `""` for directories.
 */
export function canonicalLine(file: ContextFile): string {
  const mode = (file.mode & 0o7777).toString(8).padStart(4, '0');
  const size = file.type === 'file' ? file.size : 0;
  const content = file.type === 'file' ? (file.sha256 ?? '') : file.type === 'symlink' ? (file.target ?? '') : '';
  return JSON.stringify([file.path, file.type, mode, size, content]) + '\n';
}

/** `sha256:<hex>` over the canonical lines of the files sorted by path (UTF-8 byte order). */
export function contextDigest(files: readonly ContextFile[]): string {
  const hash = createHash('sha256');
  hash.update('kiln-context-v1\n');
  for (const file of sortByPath([...files])) hash.update(canonicalLine(file));
  return `sha256:${hash.digest('hex')}`;
}
