/**
 * Heredocs on RUN, COPY and ADD lines (`<<EOF`, `<<-EOT`, `<<'EOF'`): finding their
 * delimiters on the instruction line and reading their bodies from the following lines.
 */
import { processWord } from './expand-variables.ts';
import { splitWordsRaw } from './instruction-words.ts';

/** One heredoc of an instruction. */
export interface Heredoc {
  /** The delimiter, unquoted. */
  name: string;
  /** `<<-`: leading tabs are removed from the body and the delimiter line. */
  chomp: boolean;
  /** Whether variables in the body are expanded (the delimiter was not quoted). */
  expand: boolean;
  /** The body, each line ending with a newline. */
  content: string;
}

const HEREDOC_RE = /^<<(-?)\s*([^<]*)$/;
const NO_VARIABLES = (): undefined => undefined;

/** Whether an instruction can carry heredocs. */
export function canHaveHeredocs(keyword: string): boolean {
  return keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD';
}

/** Parses one word as a heredoc marker, or returns null. */
export function parseHeredocWord(word: string, escape: string): Omit<Heredoc, 'content'> | null {
  const m = HEREDOC_RE.exec(word);
  if (m === null || m[2] === '') return null;
  const name = processWord(m[2], escape, NO_VARIABLES).value;
  if (name === '') return null;
  return { name, chomp: m[1] === '-', expand: name === m[2] };
}

/** Lists the heredoc markers of an instruction's argument text, in order. */
export function findHeredocs(args: string, escape: string): Omit<Heredoc, 'content'>[] {
  if (!args.includes('<<')) return [];
  const found: Omit<Heredoc, 'content'>[] = [];
  for (const word of splitWordsRaw(args, escape)) {
    if (!word.startsWith('<<')) continue;
    const doc = parseHeredocWord(word, escape);
    if (doc !== null) found.push(doc);
  }
  return found;
}

function stripLeadingTabs(line: string): string {
  let i = 0;
  while (i < line.length && line[i] === '\t') i++;
  return i === 0 ? line : line.slice(i);
}

/** Reads heredoc bodies starting at physical line `start`; returns the bodies and the next line, or the name of an unterminated one. */
export function readHeredocBodies(
  lines: string[],
  start: number,
  markers: Omit<Heredoc, 'content'>[],
): { heredocs: Heredoc[]; next: number; unterminated: string | null } {
  const heredocs: Heredoc[] = [];
  let i = start;
  for (const marker of markers) {
    const body: string[] = [];
    let terminated = false;
    while (i < lines.length) {
      const line = lines[i++];
      const candidate = marker.chomp ? stripLeadingTabs(line) : line;
      if (candidate === marker.name) {
        terminated = true;
        break;
      }
      body.push(marker.chomp ? candidate : line);
    }
    if (!terminated) return { heredocs, next: i, unterminated: marker.name };
    heredocs.push({ ...marker, content: body.length === 0 ? '' : body.join('\n') + '\n' });
  }
  return { heredocs, next: i, unterminated: null };
}
