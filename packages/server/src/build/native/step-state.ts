/**
 * What a step runs with, as the steps before it left it: environment (image Env, then ENV and
 * ARG in order), user and working directory. Build-only variables (`build_envs`) are visible to
 * RUN steps but never become part of the template's environment.
 */

/** PATH when neither the image nor a step sets one (Docker's default). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The running state of a build's steps. */
export class StepState {
  /** ENV and image Env, in the order they were set. */
  readonly env = new Map<string, string>();
  /** ARG values, visible to RUN only. */
  readonly args = new Map<string, string>();
  user: string;
  workdir: string;

  constructor(image: { env: [string, string][]; user: string | null; workdir: string | null }) {
    for (const [k, v] of image.env) this.env.set(k, v);
    this.user = image.user ?? '';
    this.workdir = image.workdir || '/';
  }

  /** `NAME=value` pairs of an ENV or ARG step's arguments (a bare ARG name without a value is skipped). */
  static pairs(args: string[]): [string, string][] {
    return args.flatMap((a): [string, string][] => {
      const eq = a.indexOf('=');
      return eq > 0 ? [[a.slice(0, eq), a.slice(eq + 1)]] : [];
    });
  }

  /** The environment of a RUN step: ARGs, then ENV over them, then build-only variables, PATH and HOME (from passwd) filled in. */
  runEnv(buildEnvs: Record<string, string>, user: { uid: number; home?: string }): string[] {
    const env = new Map<string, string>([...this.args, ...this.env, ...Object.entries(buildEnvs)]);
    if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
    if (!env.has('HOME')) env.set('HOME', user.home ?? (user.uid === 0 ? '/root' : '/'));
    return [...env].map(([k, v]) => `${k}=${v}`);
  }
}
