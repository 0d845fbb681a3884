/**
 * Go's `path.Clean` and `path/filepath.Match` (Unix flavour), which Docker uses for
 * `.dockerignore` patterns and COPY/ADD wildcards, ported so Kiln agrees with Docker.
 */

/** Thrown by {@link goMatch} for a malformed pattern (Go's `filepath.ErrBadPattern`). */
export class BadPatternError extends Error {
  constructor(pattern: string) {
    super(`syntax error in pattern ${JSON.stringify(pattern)}`);
    this.name = 'BadPatternError';
  }
}

/** Go's `path.Clean`: the shortest equivalent path, with `.`/`..` resolved lexically and no trailing slash. */
export function goClean(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** Whether a string holds a character that makes it a `filepath.Match` pattern rather than a plain path. */
export function hasWildcard(s: string): boolean {
  return /[*?[\\]/.test(s);
}

/** Go's `filepath.Match` on Unix: whether `name` matches the shell pattern; throws {@link BadPatternError}. */
export function goMatch(pattern: string, name: string): boolean {
  const result = matchRunes(Array.from(pattern), Array.from(name));
  if (result === 'bad') throw new BadPatternError(pattern);
  return result;
}

/** Throws {@link BadPatternError} when `pattern` is malformed. */
export function checkPattern(pattern: string): void {
  goMatch(pattern, '.');
  // Go reports a malformed tail only while matching reaches it; check every chunk explicitly.
  let rest = Array.from(pattern);
  while (rest.length > 0) {
    const { chunk, rest: next } = scanChunk(rest);
    if (matchChunk(chunk, []) === 'bad') throw new BadPatternError(pattern);
    rest = next;
  }
}

type Runes = string[];
type ChunkResult = { ok: true; rest: Runes } | { ok: false } | 'bad';

function matchRunes(pattern: Runes, name: Runes): boolean | 'bad' {
  outer: while (pattern.length > 0) {
    const scanned = scanChunk(pattern);
    const { star, chunk } = scanned;
    pattern = scanned.rest;
    if (star && chunk.length === 0) return !name.includes('/');
    const first = matchChunk(chunk, name);
    if (first !== 'bad' && first.ok && (first.rest.length === 0 || pattern.length > 0)) {
      name = first.rest;
      continue;
    }
    if (first === 'bad') return 'bad';
    if (star) {
      for (let i = 0; i < name.length && name[i] !== '/'; i++) {
        const r = matchChunk(chunk, name.slice(i + 1));
        if (r === 'bad') return 'bad';
        if (r.ok) {
          if (pattern.length === 0 && r.rest.length > 0) continue;
          name = r.rest;
          continue outer;
        }
      }
    }
    while (pattern.length > 0) {
      const next = scanChunk(pattern);
      pattern = next.rest;
      if (matchChunk(next.chunk, []) === 'bad') return 'bad';
    }
    return false;
  }
  return name.length === 0;
}

function scanChunk(pattern: Runes): { star: boolean; chunk: Runes; rest: Runes } {
  let star = false;
  let start = 0;
  while (start < pattern.length && pattern[start] === '*') {
    start++;
    star = true;
  }
  let inRange = false;
  let i = start;
  scan: for (; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) break scan;
        break;
    }
  }
  return { star, chunk: pattern.slice(start, i), rest: pattern.slice(i) };
}

function matchChunk(chunk: Runes, s: Runes): ChunkResult {
  let failed = false;
  let c = 0;
  let k = 0;
  while (c < chunk.length) {
    if (!failed && k >= s.length) failed = true;
    const ch = chunk[c];
    if (ch === '[') {
      let r = '';
      if (!failed) r = s[k++];
      c++;
      let negated = false;
      if (c < chunk.length && chunk[c] === '^') {
        negated = true;
        c++;
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (c < chunk.length && chunk[c] === ']' && nrange > 0) {
          c++;
          break;
        }
        const lo = getEsc(chunk, c);
        if (lo === 'bad') return 'bad';
        c = lo.next;
        let hi = lo.rune;
        if (chunk[c] === '-') {
          const h = getEsc(chunk, c + 1);
          if (h === 'bad') return 'bad';
          c = h.next;
          hi = h.rune;
        }
        if (!failed && codeOf(lo.rune) <= codeOf(r) && codeOf(r) <= codeOf(hi)) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (ch === '?') {
      if (!failed) {
        if (s[k] === '/') failed = true;
        k++;
      }
      c++;
    } else {
      if (ch === '\\') {
        c++;
        if (c >= chunk.length) return 'bad';
      }
      if (!failed) {
        if (chunk[c] !== s[k]) failed = true;
        k++;
      }
      c++;
    }
  }
  if (failed) return { ok: false };
  return { ok: true, rest: s.slice(k) };
}

function getEsc(chunk: Runes, at: number): { rune: string; next: number } | 'bad' {
  if (at >= chunk.length || chunk[at] === '-' || chunk[at] === ']') return 'bad';
  if (chunk[at] === '\\') {
    at++;
    if (at >= chunk.length) return 'bad';
  }
  const rune = chunk[at];
  const next = at + 1;
  if (next >= chunk.length) return 'bad';
  return { rune, next };
}

function codeOf(rune: string): number {
  return rune.codePointAt(0) ?? -1;
}
