/**
 * Lexical path rules of a build context: normalising entry paths and keeping them and link
 * targets inside the context root.
 */

/** Longest path or link target Kiln accepts, in UTF-8 bytes (Linux's PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

/** A normalised path (`''` is the context root), or why the path is refused. */
export type PathResult =
  | { ok: true; path: string }
  | { ok: false; escape: boolean; reason: string };

/**
 * Normalises a path lexically (`./a//b` → `a/b`): refuses NUL bytes, over-long paths, absolute
 * paths and `..` that climbs above the root.
 */
export function normalizeEntryPath(raw: string): PathResult {
  if (raw.includes('\0')) return { ok: false, escape: false, reason: 'contains a NUL byte' };
  if (Buffer.byteLength(raw) > MAX_PATH_BYTES) return { ok: false, escape: false, reason: `is longer than ${MAX_PATH_BYTES} bytes` };
  if (raw.startsWith('/')) return { ok: false, escape: true, reason: 'is absolute' };
  const path = lexical(raw);
  if (path === undefined) return { ok: false, escape: true, reason: 'uses .. to climb out of the context' };
  return { ok: true, path };
}

/** Resolves `.` and `..` in a relative path; undefined when `..` climbs above the root. */
function lexical(raw: string): string | undefined {
  const stack: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return undefined;
      stack.pop();
      continue;
    }
    stack.push(part);
  }
  return stack.join('/');
}

/** The directory part of a normalised path (`''` for a top-level entry). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * Checks a symlink's target lexically: absolute targets and targets that climb above the root
 * (resolved from the link's directory) are refused; returns the path the target names.
 */
export function linkTargetPath(linkPath: string, target: string): PathResult {
  if (target === '') return { ok: false, escape: false, reason: 'has an empty target' };
  if (target.includes('\0')) return { ok: false, escape: false, reason: 'has a target with a NUL byte' };
  if (Buffer.byteLength(target) > MAX_PATH_BYTES) return { ok: false, escape: false, reason: `has a target longer than ${MAX_PATH_BYTES} bytes` };
  if (target.startsWith('/')) return { ok: false, escape: true, reason: `points to the absolute path ${target}` };
  const dir = parentOf(linkPath);
  const resolved = lexical(dir === '' ? target : `${dir}/${target}`);
  if (resolved === undefined) return { ok: false, escape: true, reason: `points to ${target}, outside the context` };
  return { ok: true, path: resolved };
}
