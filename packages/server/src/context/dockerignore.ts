/**
 * `.dockerignore` parsing and matching with Docker's rules (moby's `dockerignore.ReadAll` and
 * `patternmatcher.MatchesOrParentMatches`): patterns are cleaned like Go's `path.Clean`, a leading
 * `/` is dropped, `!` marks an exception, the last matching pattern wins, a pattern that matches a
 * directory excludes everything below it, and `**` matches any number of directories.
 */
import { BadPatternError, checkPattern, goClean } from './go-path.ts';

/** One compiled `.dockerignore` pattern. */
export interface DockerignorePattern {
  /** The cleaned pattern, without its `!`. */
  pattern: string;
  /** Whether the line began with `!` (re-includes what it matches). */
  exclusion: boolean;
  /** 1-based line of `.dockerignore` the pattern came from (0 when given directly). */
  line: number;
  regexp: RegExp;
}

/** Thrown for a `.dockerignore` line Docker would refuse. */
export class DockerignoreSyntaxError extends Error {
  /** 1-based line of the offending pattern. */
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'DockerignoreSyntaxError';
    this.line = line;
  }
}

/** Reads `.dockerignore` text into patterns as Docker does (comments, blank lines, BOM, `!`, cleaning). */
export function parseDockerignore(text: string): { pattern: string; line: number }[] {
  const out: { pattern: string; line: number }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    if (raw.startsWith('#')) return;
    let pattern = raw.trim();
    if (pattern === '') return;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push({ pattern: invert ? '!' + pattern : pattern, line: index + 1 });
  });
  return out;
}

const REGEXP_SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

/**
 * Compiles one cleaned pattern (without `!`) to the regular expression moby's patternmatcher
 * builds: `*` and `?` stop at `/`, `**` spans directories, `[...]` stays a character class.
 */
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
    throw new DockerignoreSyntaxError(line, `invalid pattern ${JSON.stringify(pattern)}`);
  }
}

function escapeChar(ch: string, inClass: boolean): string {
  if (ch === '-') return inClass ? '\\-' : '-';
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? '\\' + ch : ch;
}

/** A compiled `.dockerignore`: answers whether a context path is excluded. */
export class DockerignoreMatcher {
  /** The compiled patterns, in file order. */
  readonly patterns: readonly DockerignorePattern[];

  /** Compiles patterns as {@link parseDockerignore} returns them; throws {@link DockerignoreSyntaxError}. */
  constructor(patterns: readonly ({ pattern: string; line: number } | string)[]) {
    const compiled: DockerignorePattern[] = [];
    for (const item of patterns) {
      const { pattern: raw, line } = typeof item === 'string' ? { pattern: item, line: 0 } : item;
      let p = raw.trim();
      if (p === '') continue;
      p = goClean(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new DockerignoreSyntaxError(line, 'illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      try {
        checkPattern(p);
      } catch (err) {
        if (err instanceof BadPatternError) throw new DockerignoreSyntaxError(line, `invalid pattern ${JSON.stringify(raw)}: ${err.message}`);
        throw err;
      }
      compiled.push({ pattern: p, exclusion, line, regexp: compile(p, line) });
    }
    this.patterns = compiled;
  }

  /** Reads `.dockerignore` text and compiles it. */
  static fromText(text: string): DockerignoreMatcher {
    return new DockerignoreMatcher(parseDockerignore(text));
  }

  /** Whether the matcher has no patterns (excludes nothing). */
  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /**
   * Per-pattern flags for `path`: whether each pattern matches the path or one of its parent
   * directories, computed from the parent directory's flags (or from scratch when not given).
   */
  flags(path: string, parentFlags?: readonly boolean[]): boolean[] {
    let inherited = parentFlags;
    if (!inherited) {
      const parts = path.split('/');
      let prefix = '';
      let acc: boolean[] = this.patterns.map(() => false);
      for (let i = 0; i < parts.length - 1; i++) {
        prefix = i === 0 ? parts[0] : `${prefix}/${parts[i]}`;
        acc = acc.map((hit, k) => hit || this.patterns[k].regexp.test(prefix));
      }
      inherited = acc;
    }
    return this.patterns.map((pattern, k) => inherited[k] || pattern.regexp.test(path));
  }

  /** Whether flags from {@link flags} exclude their path: the last pattern that matches wins. */
  excludedBy(flags: readonly boolean[]): boolean {
    let matched = false;
    this.patterns.forEach((pattern, k) => {
      if (pattern.exclusion !== matched) return;
      if (flags[k]) matched = !pattern.exclusion;
    });
    return matched;
  }

  /**
   * Whether `path` (relative, slash-separated, no leading `./`) is excluded: each pattern is tried
   * against the path and each of its parent directories, and the last pattern that matches wins.
   */
  excludes(path: string): boolean {
    return this.excludedBy(this.flags(path));
  }
}
