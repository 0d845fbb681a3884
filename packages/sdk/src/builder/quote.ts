/**
 * Quoting for the Dockerfile text `toDockerfile()` renders: POSIX shell words for RUN commands and
 * Dockerfile words (JSON arrays, escaped values) for COPY, WORKDIR, ENV. The rules match the ones
 * the server uses when it converts steps, so both render the same text.
 */

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a string as one POSIX shell word, leaving plainly safe words unquoted. */
export function quoteShellArg(s: string): string {
  if (s !== '' && SHELL_SAFE.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each string as one shell word, joined with spaces. */
export function quoteShellArgs(list: readonly string[]): string {
  return list.map(quoteShellArg).join(' ');
}

/** Escapes a value for a Dockerfile word that Docker expands (`$`, quotes, backslashes stay literal). */
export function escapeDockerfileValue(s: string): string {
  return s.replace(/[\\$"']/g, (c) => `\\${c}`);
}

/** A double-quoted Dockerfile word (ENV values) that expands to exactly `s`. */
export function dockerfileDoubleQuoted(s: string): string {
  return `"${s.replace(/[\\$"]/g, (c) => `\\${c}`)}"`;
}

/** One JSON string on one visible line, with no `<<` a parser could take for a heredoc. */
function jsonString(s: string): string {
  return JSON.stringify(s)
    .replace(/[\u007f\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/<(?=<)|(?<=<)</g, '\\u003c');
}

/** A Dockerfile JSON (exec-form) array; with `expand` each item is escaped for COPY's word expansion. */
export function dockerfileJsonArray(list: readonly string[], opts: { expand?: boolean } = {}): string {
  const items = opts.expand ? list.map(escapeDockerfileValue) : list;
  return `[${items.map(jsonString).join(', ')}]`;
}

/** Whether a shell command can follow `RUN ` verbatim (no flags, JSON, heredoc or continuation can be read from it). */
export function isPlainShellCommand(cmd: string): boolean {
  if (/[\r\n\u0085\u2028\u2029]/.test(cmd) || cmd.includes('<<')) return false;
  if (/^[\s\u0085[-]/.test(cmd) || /[\s\u0085\\]$/.test(cmd)) return false;
  return cmd.length > 0;
}

/** A shell command as one RUN line: shell form when plain, else `["/bin/sh", "-c", cmd]`. */
export function renderRunShell(cmd: string): string {
  return isPlainShellCommand(cmd) ? `RUN ${cmd}` : `RUN ${dockerfileJsonArray(['/bin/sh', '-c', cmd])}`;
}

/** A path with repeated `/` and `.` segments removed (`..` and a trailing `/` kept), `./` before a leading `-`. */
export function normalisePath(s: string): string {
  const absolute = s.startsWith('/');
  const trailing = s.length > 1 && s.endsWith('/');
  const parts = s.split('/').filter((p) => p !== '' && p !== '.');
  let out = (absolute ? '/' : '') + parts.join('/');
  if (out === '') return absolute ? '/' : '.';
  if (trailing && out !== '/') out += '/';
  if (out.startsWith('-')) out = `./${out}`;
  return out;
}

/** A file mode (number, or octal text such as "755") as four octal digits. */
export function formatMode(mode: number | string): string {
  const n = typeof mode === 'number' ? mode : parseInt(mode, 8);
  return n.toString(8).padStart(4, '0');
}
