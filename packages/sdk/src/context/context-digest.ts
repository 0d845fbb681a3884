/**
 * The canonical digest of a build context, computed as the server computes it: equal content gives
 * the equal `context_digest`, whatever the order, owners or modification times.
 */
import { createHash } from 'node:crypto';
import { sortByPath, type ContextEntry } from './walk-context.ts';

/** The line one entry contributes: `[path, type, mode (4 octal digits), size, sha256 | link target | ""]`. */
function canonicalLine(e: ContextEntry): string {
  const mode = (e.mode & 0o7777).toString(8).padStart(4, '0');
  const size = e.type === 'file' ? e.size : 0;
  const content = e.type === 'file' ? (e.sha256 ?? '') : e.type === 'symlink' ? (e.target ?? '') : '';
  return JSON.stringify([e.path, e.type, mode, size, content]) + '\n';
}

/** `sha256:<hex>` over the canonical lines of the entries sorted by path. */
export function contextDigest(entries: readonly ContextEntry[]): string {
  const hash = createHash('sha256');
  hash.update('kiln-context-v1\n');
  for (const e of sortByPath([...entries])) hash.update(canonicalLine(e));
  return `sha256:${hash.digest('hex')}`;
}
