/**
 * A small least-recently-used cache of parse results keyed by the Dockerfile text: plan and
 * validate requests often repeat the same file, and parsing dominates the cost of analysis.
 * Parse results are never mutated, so sharing them is safe; evaluation still runs every time.
 */
import { parseDockerfile, type ParsedDockerfile } from './parse-dockerfile.ts';

/** Most texts kept. */
export const PARSE_CACHE_ENTRIES = 64;
/** Most characters kept across all cached texts. */
export const PARSE_CACHE_CHARS = 4 * 1024 * 1024;

const cache = new Map<string, ParsedDockerfile>();
let cachedChars = 0;

/** Parses Dockerfile text, reusing the result of an identical recent text. */
export function parseDockerfileCached(text: string): ParsedDockerfile {
  const hit = cache.get(text);
  if (hit !== undefined) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const parsed = parseDockerfile(text);
  if (text.length <= PARSE_CACHE_CHARS / 4) {
    cache.set(text, parsed);
    cachedChars += text.length;
    for (const key of cache.keys()) {
      if (cache.size <= PARSE_CACHE_ENTRIES && cachedChars <= PARSE_CACHE_CHARS) break;
      cache.delete(key);
      cachedChars -= key.length;
    }
  }
  return parsed;
}

/** Empties the cache (for measurements that need cold parses). */
export function clearParseCache(): void {
  cache.clear();
  cachedChars = 0;
}
