/**
 * Quoting helpers for text Kiln generates: POSIX shell words for RUN commands, and
 * Dockerfile-level words (JSON arrays, escaped values) for instructions the
 * Dockerfile front end expands itself (COPY, ADD, WORKDIR, USER, ENV, ARG).
 */

/** Characters that never need quoting in a POSIX shell word (no globbing, expansion or operators). */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one string as a single POSIX shell word, leaving plainly safe words unquoted. */
export function quoteShellArg(s: string): string {
  if (s !== '' && SHELL_SAFE.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each string as one POSIX shell word and joins them with single spaces. */
export function quoteShellArgs(list: readonly string[]): string {
  return list.map(quoteShellArg).join(' ');
}

/**
 * Escapes a value for a Dockerfile word that the front end expands (`$VAR`, quotes, backslash
 * escapes), so that after expansion the word equals the value exactly.
 */
export function escapeDockerfileValue(s: string): string {
  return s.replace(/[\\$"']/g, (c) => `\\${c}`);
}

/** Renders a value as a double-quoted Dockerfile word (for ENV and ARG) that expands to exactly the value. */
export function dockerfileDoubleQuoted(s: string): string {
  return `"${s.replace(/[\\$"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Renders strings as a Dockerfile JSON (exec-form) array on one line; with `expand` each element is
 * first escaped for instructions whose JSON form Docker still expands (COPY, ADD).
 */
export function dockerfileJsonArray(list: readonly string[], opts: { expand?: boolean } = {}): string {
  const items = opts.expand ? list.map(escapeDockerfileValue) : list;
  return `[${items.map(jsonString).join(', ')}]`;
}

/**
 * JSON-encodes a string on one visible line: DEL and Unicode line separators are escaped, and so is
 * every `<` next to another `<`, so no Dockerfile parser can mistake the text for a heredoc marker.
 */
function jsonString(s: string): string {
  return JSON.stringify(s)
    .replace(/[\u007f\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/<(?=<)|(?<=<)</g, '\\u003c');
}
