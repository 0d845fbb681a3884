/**
 * An independent reader of Dockerfiles generated from declarative steps, used by the tests: it
 * re-parses the text with dockerfile-ast, splits RUN commands into POSIX shell words and decodes
 * Dockerfile-level words, so a test can assert that every user value lands intact in one argument.
 */
import { DockerfileParser } from 'dockerfile-ast';

/** One POSIX shell token: a word (with whether any unquoted expansion or glob character was seen) or an operator. */
export interface ShellToken {
  /** The word after quote removal, or the operator text. */
  value: string;
  /** True for control operators and redirections (`&&`, `;`, `|`, `>`, …). */
  operator: boolean;
  /** True when the word holds an unquoted character the shell would expand (`$`, backtick, glob, `~`, braces). */
  expands: boolean;
}

const OPERATORS = ['&&', '||', ';;', '<<', '>>', '<&', '>&', '<>', '>|', ';', '&', '|', '<', '>', '(', ')'];

/** Splits a POSIX shell command into tokens; throws on unterminated quotes or a trailing backslash. */
export function splitShellWords(cmd: string): ShellToken[] {
  const out: ShellToken[] = [];
  let word = '';
  let inWord = false;
  let expands = false;
  const end = () => {
    if (inWord) out.push({ value: word, operator: false, expands });
    word = '';
    inWord = false;
    expands = false;
  };
  let i = 0;
  while (i < cmd.length) {
    const c = cmd[i];
    if (c === ' ' || c === '\t' || c === '\n') { end(); i++; continue; }
    const op = OPERATORS.find((o) => cmd.startsWith(o, i));
    if (op) { end(); out.push({ value: op, operator: true, expands: false }); i += op.length; continue; }
    inWord = true;
    if (c === "'") {
      const close = cmd.indexOf("'", i + 1);
      if (close < 0) throw new Error('unterminated single quote');
      word += cmd.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      i++;
      while (i < cmd.length && cmd[i] !== '"') {
        if (cmd[i] === '$' || cmd[i] === '`') expands = true;
        if (cmd[i] === '\\' && i + 1 < cmd.length && '$`"\\\n'.includes(cmd[i + 1])) i++;
        word += cmd[i++];
      }
      if (i >= cmd.length) throw new Error('unterminated double quote');
      i++;
    } else if (c === '\\') {
      if (i + 1 >= cmd.length) throw new Error('trailing backslash');
      word += cmd[i + 1];
      i += 2;
    } else {
      if ('$`*?[]{}~'.includes(c)) expands = true;
      if (c === '#' && word === '') throw new Error('unquoted comment');
      word += c;
      i++;
    }
  }
  end();
  return out;
}

/** Decodes an unquoted Dockerfile word the front end expands: backslash escapes only; throws on `$` or quotes. */
export function decodeDockerWord(word: string): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i];
    if (c === '\\') {
      if (i + 1 >= word.length) throw new Error('trailing backslash in word');
      out += word[++i];
    } else if (c === '$' || c === '"' || c === "'") {
      throw new Error(`unescaped ${c} in word ${JSON.stringify(word)}`);
    } else out += c;
  }
  return out;
}

/** Decodes `KEY="value" KEY2="value2"` as ENV and ARG are written; throws on anything else. */
export function decodeDockerPairs(text: string): Array<[string, string | undefined]> {
  const pairs: Array<[string, string | undefined]> = [];
  let i = 0;
  while (i < text.length) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(=?)/.exec(text.slice(i));
    if (!m) throw new Error(`bad pair at ${i}: ${text.slice(i, i + 20)}`);
    i += m[0].length;
    if (m[2] === '') { pairs.push([m[1], undefined]); } else {
      if (text[i] !== '"') throw new Error('value not double-quoted');
      let v = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '$') throw new Error('unescaped $ in value');
        if (text[i] === '\\' && '"$\\'.includes(text[i + 1] ?? '')) i++;
        v += text[i++];
      }
      if (text[i] !== '"') throw new Error('unterminated value');
      i++;
      pairs.push([m[1], v]);
    }
    if (i < text.length) {
      if (text[i] !== ' ') throw new Error('pairs not separated by a space');
      i++;
    }
  }
  return pairs;
}

/** One instruction read back from generated text. */
export interface ReadInstruction {
  /** Upper-case keyword. */
  keyword: string;
  /** 1-based line. */
  line: number;
  /** The text after the keyword and one space. */
  rest: string;
}

/** Re-parses a generated Dockerfile with dockerfile-ast; throws unless every instruction sits on exactly one line. */
export function readInstructions(text: string): ReadInstruction[] {
  const lines = text.split('\n');
  return DockerfileParser.parse(text).getInstructions().map((ins) => {
    const range = ins.getRange();
    if (range.start.line !== range.end.line) throw new Error(`instruction at line ${range.start.line + 1} spans several lines`);
    const raw = lines[range.start.line];
    const keyword = ins.getKeyword();
    if (!raw.startsWith(`${keyword} `)) throw new Error(`line ${range.start.line + 1} does not start with "${keyword} "`);
    return { keyword, line: range.start.line + 1, rest: raw.slice(keyword.length + 1) };
  });
}

/** The shell command of a RUN line: its shell-form text, or argv[2] of the `["/bin/sh", "-c", cmd]` form. */
export function runCommand(rest: string): string {
  if (!rest.startsWith('[')) return rest;
  const argv = JSON.parse(rest) as string[];
  if (argv.length !== 3 || argv[0] !== '/bin/sh' || argv[1] !== '-c') throw new Error(`not a /bin/sh -c exec form: ${rest}`);
  return argv[2];
}

/** Matches shell tokens against a template of literal words and operators, returning the words at `{}` slots. */
export function matchTokens(tokens: ShellToken[], template: Array<string | null>): string[] {
  if (tokens.length !== template.length) {
    throw new Error(`expected ${template.length} tokens, got ${tokens.length}: ${JSON.stringify(tokens.map((t) => t.value))}`);
  }
  const slots: string[] = [];
  template.forEach((want, i) => {
    const t = tokens[i];
    if (want === null) {
      if (t.operator) throw new Error(`token ${i} is the operator ${t.value}, expected a word`);
      if (t.expands) throw new Error(`token ${i} (${JSON.stringify(t.value)}) would be expanded by the shell`);
      slots.push(t.value);
    } else if (t.value !== want) throw new Error(`token ${i} is ${JSON.stringify(t.value)}, expected ${JSON.stringify(want)}`);
  });
  return slots;
}
