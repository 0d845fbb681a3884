/** The CLI's exit codes and the error that carries one; no dependencies, so `kiln --help` stays fast. */

/** What `kiln` exits with; listed in `kiln --help` and the README. */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** A build ended `error` or `cancelled`, `validate` found problems, or something unexpected failed. */
  failed: 1,
  /** The command line is wrong: an unknown option, a missing argument, a Dockerfile or secret that cannot be read. */
  usage: 2,
  /** No Kiln server answers at the API URL. */
  unreachable: 3,
  /** No API key was given, or the server refused it. */
  auth: 4,
  /** The API refused the request (not found, conflict, invalid request, …); its code and message are printed. */
  api: 5,
} as const;

/** The exit code table as `kiln --help` prints it. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the build ended error or cancelled, validate found problems, or an unexpected failure
  2  usage error (unknown option, missing argument, unreadable Dockerfile or secret)
  3  no Kiln server at the API URL
  4  no API key, or the server refused it
  5  the API refused the request (its code and message are printed)

Connection: --api-url or KILN_API_URL (default http://127.0.0.1:8080), --api-key or KILN_API_KEY.`;

/** An error the CLI reports as one message (no stack trace) and exits with `exitCode`. */
export class CliError extends Error {
  /** The process exit code (see EXIT). */
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.failed) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
