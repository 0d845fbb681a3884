/**
 * Splitting an instruction's argument text the way Docker's parser does: flags, JSON
 * (exec) form, quote-aware words and plain whitespace-separated words.
 */

/** One `--name[=value]` flag given on an instruction. */
export interface InstructionFlag {
  name: string;
  /** The raw value; `null` when the flag was given without `=`. */
  value: string | null;
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
}

/**
 * Splits text into words on unquoted whitespace, keeping quotes and escapes in the words
 * (Docker's `parseWords`, used for ENV, LABEL and ARG).
 */
export function splitWordsRaw(rest: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote = '';
  let blankOk = false;
  const n = rest.length;
  for (let pos = 0; pos < n; pos++) {
    let ch = rest[pos];
    if (!inWord && quote === '') {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (quote === '') {
      if (isSpace(ch)) {
        if (blankOk || word !== '') words.push(word);
        word = '';
        blankOk = false;
        inWord = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      } else if (ch === escape) {
        if (pos + 1 === n) continue;
        word += ch;
        ch = rest[++pos];
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      quote = '';
    } else if (ch === escape && quote !== "'") {
      if (pos + 1 === n) continue;
      word += ch;
      ch = rest[++pos];
    }
    word += ch;
  }
  if (inWord || quote !== '') {
    if (blankOk || word !== '') words.push(word);
  }
  return words;
}

/** Splits text on runs of whitespace, dropping empty words. */
export function splitWhitespace(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/[ \t\n\r\f\v]+/);
}

/** Reads the leading `--flag` words of an instruction's arguments (Docker's `extractBuilderFlags`); returns them and the rest. */
export function extractFlags(line: string): { flags: InstructionFlag[]; rest: string } {
  const flags: InstructionFlag[] = [];
  if (!line.startsWith('--')) return { flags, rest: line };
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  let blankOk = false;
  const n = line.length;
  let rest = '';
  for (let pos = 0; pos <= n; pos++) {
    const ch = pos < n ? line[pos] : '';
    if (!inWord) {
      if (pos === n) break;
      if (isSpace(ch)) continue;
      if (ch !== '-' || pos + 1 === n || line[pos + 1] !== '-') {
        rest = line.slice(pos);
        break;
      }
      inWord = true;
    }
    if (pos === n) {
      if (word !== '--' && (blankOk || word !== '')) words.push(word);
      break;
    }
    if (quote === '') {
      if (isSpace(ch)) {
        inWord = false;
        if (word === '--') {
          rest = line.slice(pos).trimStart();
          word = '';
          break;
        }
        if (blankOk || word !== '') words.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === n) continue;
        word += line[++pos];
        continue;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      quote = '';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === n) continue;
      word += line[++pos];
      continue;
    }
    word += ch;
  }
  for (const w of words) {
    const body = w.slice(2);
    const eq = body.indexOf('=');
    flags.push(eq === -1 ? { name: body.toLowerCase(), value: null } : { name: body.slice(0, eq).toLowerCase(), value: body.slice(eq + 1) });
  }
  return { flags, rest };
}

/** Parses the exec (JSON array of strings) form; returns null when the text is not one, as Docker then uses the shell form. */
export function parseJsonArray(text: string): string[] | null {
  if (text[0] !== '[') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  for (const item of parsed) if (typeof item !== 'string') return null;
  return parsed as string[];
}
