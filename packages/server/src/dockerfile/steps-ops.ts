/**
 * The checked, normalised form of a declarative step: the Dockerfile operations it stands for,
 * before they are rendered as instruction lines.
 */

/** One Dockerfile operation a step produces, with every value already checked. */
export type StepOp =
  /** A shell command (shell form when safe, else `/bin/sh -c` exec form), optionally run as another user. */
  | { op: 'run_shell'; command: string; user?: string }
  /** An exec-form RUN, optionally run as another user. */
  | { op: 'run_exec'; argv: string[]; user?: string }
  /** COPY or ADD in JSON form, with optional `--chown` and `--chmod`. */
  | { op: 'copy' | 'add'; srcs: string[]; dest: string; chown?: string; chmod?: number }
  /** ENV with one or more pairs on one line. */
  | { op: 'env'; pairs: Array<[string, string]> }
  /** ARG with an optional default. */
  | { op: 'arg'; name: string; value?: string }
  /** WORKDIR. */
  | { op: 'workdir'; path: string }
  /** USER. */
  | { op: 'user'; user: string }
  /** CMD in exec form. */
  | { op: 'cmd'; argv: string[] };

/** What reading one step yields: its operations and, for an uploaded-files COPY, the files hash. */
export interface ParsedStep {
  /** The operations, in order. */
  ops: StepOp[];
  /** The `filesHash` of a second-platform COPY step, which the caller resolves to context files. */
  filesHash?: string;
}
