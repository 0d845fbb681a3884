/**
 * The syntax layer: dockerfile-ast finds where each instruction starts and ends; this file
 * applies Docker's own rules on top (directives, continuation joining with comment and blank
 * lines, heredoc bodies) and yields one raw instruction per logical line.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { problem, type Problem } from '../errors/errors.ts';
import { joinLogicalLine, normalizeText, readDirectives } from './dockerfile-lines.ts';
import { canHaveHeredocs, findHeredocs, readHeredocBodies, type Heredoc } from './heredocs.ts';

/** One instruction as written: keyword, line, joined argument text and heredoc bodies. */
export interface RawInstruction {
  /** The keyword in upper case. */
  keyword: string;
  /** 1-based line where the instruction starts. */
  line: number;
  /** The arguments after the keyword, continuations joined, trimmed. */
  args: string;
  heredocs: Heredoc[];
}

/** The syntax-level view of a Dockerfile. */
export interface ParsedDockerfile {
  escape: string;
  instructions: RawInstruction[];
  /** Number of physical lines. */
  lineCount: number;
  errors: Problem[];
}

/** Splits the keyword from a logical line. */
function splitKeyword(text: string): { keyword: string; args: string } {
  const trimmed = text.trim();
  const m = /[ \t\n\r\f\v]/.exec(trimmed);
  if (m === null) return { keyword: trimmed.toUpperCase(), args: '' };
  return { keyword: trimmed.slice(0, m.index).toUpperCase(), args: trimmed.slice(m.index + 1).trim() };
}

/** Parses Dockerfile text into raw instructions; never throws. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const normalized = normalizeText(text);
  const lines = normalized.split('\n');
  const directives = readDirectives(lines);
  const escape = directives.escape;
  const errors: Problem[] = [...directives.errors];
  const instructions: RawInstruction[] = [];
  const astInstructions = DockerfileParser.parse(normalized).getInstructions();
  let consumed = directives.lineCount;
  for (const ast of astInstructions) {
    const range = ast.getRange();
    const start = range.start.line;
    if (start < consumed || start >= lines.length) continue;
    const logical = joinLogicalLine(lines, start, range.end.line, escape);
    const { keyword, args } = splitKeyword(logical.text);
    let next = logical.next;
    let heredocs: Heredoc[] = [];
    if (canHaveHeredocs(keyword)) {
      const markers = findHeredocs(args, escape);
      if (markers.length > 0) {
        const read = readHeredocBodies(lines, next, markers);
        heredocs = read.heredocs;
        next = read.next;
        if (read.unterminated !== null) {
          errors.push(problem('dockerfile_parse_error', `Line ${start + 1}: the heredoc ${JSON.stringify(read.unterminated)} is never terminated.`, 'parse', { line: start + 1 }));
        }
      }
    }
    consumed = Math.max(next, range.end.line + 1);
    if (keyword === '') continue;
    instructions.push({ keyword, line: start + 1, args, heredocs });
  }
  return { escape, instructions, lineCount: lines.length, errors };
}
