/**
 * Line handling shared by the Dockerfile parser: splitting, parser directives and the
 * joining of continued lines, following Docker's rules.
 */
import { problem, type Problem } from '../errors/errors.ts';

/** Parser directives found at the top of a Dockerfile. */
export interface Directives {
  /** The escape character: `\` or `` ` ``. */
  escape: string;
  /** The `# syntax=` value, when given (Kiln does not act on it). */
  syntax: string | null;
  /** Number of leading lines that are directives. */
  lineCount: number;
  errors: Problem[];
}

/** A logical line: continued physical lines joined, comment and blank lines inside the continuation dropped. */
export interface LogicalLine {
  text: string;
  /** 0-based index of the first physical line after the logical line. */
  next: number;
}

const DIRECTIVE_RE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

/** Normalises text so that lines split on LF count as Docker counts them: CRLF becomes LF, a lone CR a space, a leading BOM is dropped. */
export function normalizeText(text: string): string {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return t.includes('\r') ? t.replace(/\r\n/g, '\n').replace(/\r/g, ' ') : t;
}

/** Reads the parser directives (`# escape=`, `# syntax=`, `# check=`) from the leading lines. */
export function readDirectives(lines: string[]): Directives {
  const result: Directives = { escape: '\\', syntax: null, lineCount: 0, errors: [] };
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const m = DIRECTIVE_RE.exec(lines[i].trimStart());
    if (m === null) break;
    const key = m[1].toLowerCase();
    if (!KNOWN_DIRECTIVES.has(key)) break;
    if (seen.has(key)) {
      result.errors.push(problem('dockerfile_parse_error', `Line ${i + 1}: the parser directive "${key}" is given twice.`, 'parse', { line: i + 1 }));
      break;
    }
    seen.add(key);
    result.lineCount = i + 1;
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') {
        result.errors.push(problem('dockerfile_parse_error', `Line ${i + 1}: invalid escape character ${JSON.stringify(m[2])}; it must be \\ or \`.`, 'parse', { line: i + 1 }));
      } else {
        result.escape = m[2];
      }
    } else if (key === 'syntax') {
      result.syntax = m[2];
    }
  }
  return result;
}

/** Whether a physical line is a comment (first non-blank character `#`). */
export function isCommentLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === ' ' || ch === '\t' || ch === '\f' || ch === '\v') continue;
    return ch === '#';
  }
  return false;
}

/** Whether a physical line holds only whitespace. */
export function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch !== ' ' && ch !== '\t' && ch !== '\f' && ch !== '\v') return false;
  }
  return true;
}

/** Removes a trailing continuation (the escape character followed only by spaces or tabs); returns null when there is none. */
function stripContinuation(line: string, escape: string): string | null {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  if (end > 0 && line[end - 1] === escape) return line.slice(0, end - 1);
  return null;
}

/** Joins the logical line that starts at physical line `start` (0-based), reading no further than line `limit`. */
export function joinLogicalLine(lines: string[], start: number, limit: number, escape: string): LogicalLine {
  const first = lines[start].trimStart();
  let stripped = stripContinuation(first, escape);
  if (stripped === null) return { text: first, next: start + 1 };
  let text = stripped;
  let i = start + 1;
  while (i < lines.length && i <= limit) {
    const line = lines[i++];
    if (isCommentLine(line) || isBlankLine(line)) continue;
    stripped = stripContinuation(line, escape);
    if (stripped === null) {
      text += line;
      break;
    }
    text += stripped;
  }
  return { text, next: i };
}
