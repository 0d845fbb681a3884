/**
 * Renders an argument vector as one POSIX shell command line, quoting only the arguments
 * that need it, so `sh -c` of the result runs exactly that vector.
 */

const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument for a POSIX shell (single quotes; embedded `'` written as `'\''`). */
export function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (SAFE_ARG.test(arg)) return arg;
  return `'${arg.replace(/'/g, "'\\''")}'`;
}

/** Renders an argument vector as one shell-safe command string. */
export function renderArgv(argv: string[]): string {
  return argv.map(quoteArg).join(' ');
}
