/**
 * `.dockerignore` with Docker's rules (moby's `dockerignore.ReadAll` and `patternmatcher`), which
 * the Kiln server applies too, so the SDK leaves out exactly what the server would: patterns are
 * cleaned like Go's `path.Clean` and anchored at the context root, `!` re-includes, the last
 * matching pattern wins, a pattern matching a directory covers everything below it, `**` spans
 * directories. (gitignore rules differ: unanchored patterns, no re-inclusion under an excluded
 * directory.)
 */

/** Go's `path.Clean`. */
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

/** One compiled pattern. */
interface Pattern {
  /** The cleaned pattern, without its `!`. */
  pattern: string;
  /** Whether it re-includes what it matches (`!`). */
  exclusion: boolean;
  regexp: RegExp;
}

const REGEXP_SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

function escapeChar(ch: string, inClass: boolean): string {
  if (ch === '-') return inClass ? '\\-' : '-';
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? '\\' + ch : ch;
}

/** The regular expression Docker's patternmatcher builds for a cleaned pattern. */
function compile(pattern: string, line: number): RegExp {
  const chars = Array.from(pattern);
  let re = '^';
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '[' || ch === ']') {
      inClass = ch === '[';
      re += ch;
    } else if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++;
        re += i + 1 >= chars.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (REGEXP_SPECIAL.has(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      re += i + 1 < chars.length ? escapeChar(chars[++i], inClass) : '\\\\';
    } else {
      re += ch;
    }
  }
  try {
    return new RegExp(re + '$', 'u');
  } catch {
    throw new SyntaxError(`.dockerignore line ${line}: invalid pattern ${JSON.stringify(pattern)}`);
  }
}

/** A compiled `.dockerignore`. */
export class Dockerignore {
  private readonly patterns: Pattern[];

  /** Reads `.dockerignore` text (comments, blank lines, a BOM, `!`, cleaning) and compiles it; throws SyntaxError naming a bad line. */
  constructor(text: string) {
    this.patterns = [];
    text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
      if (raw.startsWith('#')) return;
      let p = raw.trim();
      if (p === '') return;
      let exclusion = false;
      if (p.startsWith('!')) {
        exclusion = true;
        p = p.slice(1).trim();
        if (p === '') throw new SyntaxError(`.dockerignore line ${index + 1}: illegal exclusion pattern "!"`);
      }
      p = goClean(p);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
      this.patterns.push({ pattern: p, exclusion, regexp: compile(p, index + 1) });
    });
  }

  /** Whether there are no patterns (nothing is excluded). */
  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether some pattern re-includes (`!`), so an excluded directory may still hold kept entries. */
  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** Per-pattern flags of `path`: whether each pattern matches it or a parent, from the parent's flags (or from scratch). */
  flags(path: string, parentFlags?: readonly boolean[]): boolean[] {
    let inherited = parentFlags;
    if (!inherited) {
      const parts = path.split('/');
      let acc = this.patterns.map(() => false);
      let prefix = '';
      for (let i = 0; i < parts.length - 1; i++) {
        prefix = i === 0 ? parts[0] : `${prefix}/${parts[i]}`;
        acc = acc.map((hit, k) => hit || this.patterns[k].regexp.test(prefix));
      }
      inherited = acc;
    }
    return this.patterns.map((p, k) => inherited[k] || p.regexp.test(path));
  }

  /** Whether flags from {@link flags} exclude their path: the last matching pattern wins. */
  excludedBy(flags: readonly boolean[]): boolean {
    let matched = false;
    this.patterns.forEach((p, k) => {
      if (p.exclusion !== matched) return;
      if (flags[k]) matched = !p.exclusion;
    });
    return matched;
  }

  /** Whether a context path (relative, `/`-separated) is excluded. */
  excludes(path: string): boolean {
    return this.excludedBy(this.flags(path));
  }
}
