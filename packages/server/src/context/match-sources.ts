/**
 * Checks a Dockerfile's COPY/ADD sources against a build context's file list, the way Docker
 * resolves them: relative to the context root (a leading `/` or `./` changes nothing), `.` is the
 * root, symlinked directories are followed inside the context, and wildcards (`*`, `?`, `[...]`,
 * Go `filepath.Match` per path segment) must match at least one entry.
 */
import { problem, type Problem } from '../errors/errors.ts';
import type { ContextReference } from '../domain/plan-types.ts';
import type { ContextFile } from '../store/store.ts';
import { ContextTree } from './context-tree.ts';
import { BadPatternError, goMatch, hasWildcard } from './go-path.ts';

/** Component steps the symlink resolution of all sources may take together. */
const RESOLVE_STEPS = 1_000_000;

/** ADD sources that are fetched rather than read from the context (URLs and git remotes). */
export const REMOTE_SOURCE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

/** Splits a source into normalised segments, or returns undefined when `..` climbs out of the root. */
export function sourceSegments(source: string): string[] | undefined {
  const out: string[] = [];
  for (const part of source.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

/** Whether some entry's path matches the wildcard pattern segment by segment. */
function matchesAny(pattern: string[], paths: string[][]): boolean {
  return paths.some((parts) => parts.length === pattern.length && parts.every((part, i) => goMatch(pattern[i], part)));
}

/**
 * Every COPY/ADD source that is not in the context, as a `context_source_missing` problem
 * (phase `context`, with the Dockerfile line); remote ADD sources are not checked.
 */
export function findMissingSources(files: readonly ContextFile[], refs: readonly ContextReference[]): Problem[] {
  const tree = new ContextTree(Number.MAX_SAFE_INTEGER);
  for (const file of files) {
    const walked = file.path === '' ? undefined : tree.walk(file.path);
    if (walked?.ok && walked.names.length > 0) tree.put(walked.names, file);
  }
  let paths: string[][] | undefined;
  const budget = { steps: RESOLVE_STEPS };
  const problems: Problem[] = [];
  for (const ref of refs) {
    const { source, instruction, line } = ref;
    if (instruction === 'ADD' && REMOTE_SOURCE.test(source)) continue;
    const what = `${instruction} source ${JSON.stringify(source)} (line ${line})`;
    const segments = sourceSegments(source);
    if (!segments) {
      problems.push(problem('context_source_missing', `${what} leaves the build context; sources are paths inside the context root.`, 'context', { line }));
      continue;
    }
    if (segments.length === 0) continue;
    let found: boolean;
    let invalid = false;
    if (segments.some(hasWildcard)) {
      paths ??= tree.files().map((f) => f.path.split('/'));
      try {
        found = matchesAny(segments, paths);
      } catch (err) {
        if (!(err instanceof BadPatternError)) throw err;
        found = false;
        invalid = true;
      }
    } else {
      const path = segments.join('/');
      const resolved = tree.get(path) ? undefined : tree.resolve(path, budget);
      found = resolved === undefined || (resolved.kind === 'inside' && resolved.entry !== undefined);
      if (resolved?.kind === 'escape') {
        problems.push(problem('context_source_missing', `${what} leads outside the build context through the symlink ${resolved.via}.`, 'context', { line }));
        continue;
      }
    }
    if (invalid) {
      problems.push(problem('context_source_missing', `${what} is not a valid wildcard pattern, so it matches nothing in the build context.`, 'context', { line }));
    } else if (!found) {
      problems.push(problem('context_source_missing', `${what} is missing from the build context or excluded by .dockerignore.`, 'context', { line }));
    }
  }
  return problems;
}
