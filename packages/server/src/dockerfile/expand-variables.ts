/**
 * Docker's word processing for the instructions it expands: quote removal, escapes and
 * `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}` (and `?` forms, which
 * expand like a plain reference), following BuildKit's shell lexer.
 */

/** Looks a variable up; `undefined` means unset. */
export type VariableLookup = (name: string) => string | undefined;

/** The result of processing one word. */
export interface ProcessedWord {
  value: string;
  /** Whether a variable reference was seen (even one that expanded to nothing). */
  usedVariable: boolean;
}

const SPECIAL_PARAMS = '@*#?-$!0';
/** Deepest `${…${…}}` nesting expanded; deeper text is kept literally. */
export const MAX_EXPANSION_DEPTH = 64;

function isNameChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return true;
  return c > 127 && /\p{L}|\p{N}/u.test(ch);
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

/** A single-use scanner over one word. */
class WordLexer {
  readonly text: string;
  readonly escape: string;
  readonly lookup: VariableLookup;
  pos = 0;
  depth = 0;
  usedVariable = false;

  constructor(text: string, escape: string, lookup: VariableLookup) {
    this.text = text;
    this.escape = escape;
    this.lookup = lookup;
  }

  /** Processes until `stop` (not consumed as content) or the end; unquoted whitespace splits when `words` is given. */
  process(stop: string, words: string[] | null): string {
    const t = this.text;
    let out = '';
    let pending = false;
    while (this.pos < t.length) {
      const ch = t[this.pos];
      if (stop !== '' && ch === stop) break;
      if (words !== null && (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v')) {
        if (pending || out !== '') words.push(out);
        out = '';
        pending = false;
        this.pos++;
        continue;
      }
      if (ch === this.escape) {
        this.pos++;
        if (this.pos < t.length) out += t[this.pos++];
        continue;
      }
      if (ch === "'") {
        pending = true;
        this.pos++;
        const end = t.indexOf("'", this.pos);
        const stopAt = end === -1 ? t.length : end;
        out += t.slice(this.pos, stopAt);
        this.pos = end === -1 ? t.length : end + 1;
        continue;
      }
      if (ch === '"') {
        pending = true;
        this.pos++;
        out += this.doubleQuoted();
        continue;
      }
      if (ch === '$') {
        this.pos++;
        out += this.dollar();
        continue;
      }
      out += ch;
      this.pos++;
    }
    if (words !== null && (pending || out !== '')) words.push(out);
    return out;
  }

  private doubleQuoted(): string {
    const t = this.text;
    let out = '';
    while (this.pos < t.length) {
      const ch = t[this.pos];
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '$') {
        this.pos++;
        out += this.dollar();
        continue;
      }
      if (ch === this.escape) {
        const next = t[this.pos + 1];
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.pos += 2;
          continue;
        }
      }
      out += ch;
      this.pos++;
    }
    return out;
  }

  private name(): string {
    const t = this.text;
    const start = this.pos;
    if (this.pos < t.length && isDigit(t[this.pos])) {
      while (this.pos < t.length && isDigit(t[this.pos])) this.pos++;
      return t.slice(start, this.pos);
    }
    if (this.pos < t.length && SPECIAL_PARAMS.includes(t[this.pos])) {
      this.pos++;
      return t[start];
    }
    while (this.pos < t.length && isNameChar(t[this.pos])) this.pos++;
    return t.slice(start, this.pos);
  }

  private dollar(): string {
    const t = this.text;
    if (t[this.pos] !== '{') {
      const name = this.name();
      if (name === '') return '$';
      this.usedVariable = true;
      return this.lookup(name) ?? '';
    }
    this.pos++;
    if (this.depth >= MAX_EXPANSION_DEPTH) return '${';
    const name = this.name();
    if (name === '') {
      // `${` with no name: keep the text literally up to the closing brace.
      const end = t.indexOf('}', this.pos);
      const literal = '${' + t.slice(this.pos, end === -1 ? t.length : end + 1);
      this.pos = end === -1 ? t.length : end + 1;
      return literal;
    }
    this.usedVariable = true;
    const value = this.lookup(name);
    let op = t[this.pos];
    if (op === '}') {
      this.pos++;
      return value ?? '';
    }
    let colon = false;
    if (op === ':') {
      colon = true;
      this.pos++;
      op = t[this.pos];
    }
    this.pos++;
    this.depth++;
    const word = this.process('}', null);
    this.depth--;
    if (this.pos < t.length) this.pos++;
    const isSet = colon ? value !== undefined && value !== '' : value !== undefined;
    switch (op) {
      case '-':
        return isSet ? (value as string) : word;
      case '+':
        return isSet ? word : '';
      default:
        return value ?? '';
    }
  }
}

/** Processes one word as Docker does for ENV, LABEL, COPY, FROM, etc.: quotes removed, escapes applied, variables expanded. */
export function processWord(word: string, escape: string, lookup: VariableLookup): ProcessedWord {
  if (!needsProcessing(word, escape)) return { value: word, usedVariable: false };
  const lexer = new WordLexer(word, escape, lookup);
  const value = lexer.process('', null);
  return { value, usedVariable: lexer.usedVariable };
}

/** Processes a string into words split on unquoted whitespace, expanding as {@link processWord}. */
export function processWords(text: string, escape: string, lookup: VariableLookup): string[] {
  const words: string[] = [];
  new WordLexer(text, escape, lookup).process('', words);
  return words;
}

/** Whether a word has anything the lexer would change (a `$`, a quote or the escape character). */
export function needsProcessing(word: string, escape: string): boolean {
  return word.includes('$') || word.includes('"') || word.includes("'") || word.includes(escape);
}
