/**
 * The fluent template builder. Its types encode order, as E2B's builder does: a `TemplateBuilder`
 * takes steps; `setStartCmd` / `setReadyCmd` end it with a `TemplateFinal`, which has no step
 * methods, so a step after the start command does not compile. A Dockerfile template
 * (`DockerfileTemplate`) takes no steps (its Dockerfile has them) but may still set a start command.
 * Definitions are immutable: every method returns a new one, so a base definition can be reused.
 */
import { buildRequestBody } from './build-request.ts';
import { toReadyCheck, type ReadyCheck } from './readiness.ts';
import { renderDockerfile } from './render-dockerfile.ts';
import type { FileMode, Step } from './steps.ts';
import type { TemplateState } from './template-state.ts';

/** A finished template definition: what `Template.build`, `validate` and `plan` take. */
export interface TemplateFinal {
  /**
   * The definition as Dockerfile text, for reading (the server builds from the steps, not from this text).
   * @example
   * console.log(Template.fromPythonImage().pipInstall('numpy').toDockerfile());
   */
  toDockerfile(): string;
  /**
   * The request fields of this definition with credentials and secret values left out (what `JSON.stringify` shows).
   * @example
   * console.log(JSON.stringify(Template.fromNodeImage().npmInstall('tsx')));
   */
  toJSON(): Record<string, unknown>;
  /**
   * Bypasses the whole-build cache: the build runs even when an identical one is ready.
   * @example
   * Template.fromDebianImage().runCmd('date > /built-at').skipCache()
   */
  skipCache(): this;
  /**
   * Attaches a build secret for `RUN --mount=type=secret,id=<id>` (buildkit backend; the value is never stored).
   * @example
   * Template.fromDockerfile('FROM debian:bookworm\nRUN --mount=type=secret,id=token cat /run/secrets/token | wc -c\n').buildSecret('token', process.env.TOKEN!)
   */
  buildSecret(id: string, value: string): this;
}

/** A definition whose steps are fixed (a Dockerfile's) that may still set its start command and ready check. */
export interface DockerfileTemplate extends TemplateFinal {
  /**
   * Sets the command the build starts before finishing (and the check that says it is ready); no step may follow.
   * @example
   * Template.fromPythonImage().pipInstall('flask').setStartCmd('flask run --port 8000', waitForPort(8000))
   */
  setStartCmd(command: string, ready?: ReadyCheck | string): TemplateFinal;
  /**
   * Sets only the ready check (a check object, or a shell command that must exit 0); no step may follow.
   * @example
   * Template.fromDebianImage().runCmd('touch /ready').setReadyCmd(waitForFile('/ready'))
   */
  setReadyCmd(ready: ReadyCheck | string): TemplateFinal;
}

/** A definition that takes steps, in order. */
export interface TemplateBuilder extends DockerfileTemplate {
  /**
   * Runs a shell command; a list runs its commands one after another (joined with `&&`).
   * @example
   * Template.fromDebianImage().runCmd(['mkdir -p /srv/app', 'echo ok > /srv/app/health'], { user: 'root' })
   */
  runCmd(command: string | string[], opts?: { user?: string }): TemplateBuilder;
  /**
   * Installs Debian packages with apt-get (lists are cleaned afterwards).
   * @example
   * Template.fromPythonImage().aptInstall(['git', 'curl'], { noInstallRecommends: true })
   */
  aptInstall(packages: string | string[], opts?: { noInstallRecommends?: boolean }): TemplateBuilder;
  /**
   * Installs Python packages with pip.
   * @example
   * Template.fromPythonImage('3.12').pipInstall(['numpy==2.1.3', 'pandas>=2'])
   */
  pipInstall(packages: string | string[], opts?: { indexUrl?: string }): TemplateBuilder;
  /**
   * Installs Node.js packages with npm (globally with `global: true`).
   * @example
   * Template.fromNodeImage('22').npmInstall('typescript', { global: true })
   */
  npmInstall(packages: string | string[], opts?: { global?: boolean }): TemplateBuilder;
  /**
   * Copies files from the build context (the directory given as `contextPath`, by default the current one).
   * @example
   * Template.fromPythonImage().copy('app/', '/srv/app/', { user: '1000:1000', mode: 0o755 })
   */
  copy(src: string | string[], dest: string, opts?: { user?: string; mode?: FileMode }): TemplateBuilder;
  /**
   * Sets environment variables for later steps and for sandboxes.
   * @example
   * Template.fromPythonImage().setEnvs({ PYTHONUNBUFFERED: '1', APP_ENV: 'prod' })
   */
  setEnvs(envs: Record<string, string>): TemplateBuilder;
  /**
   * Sets the working directory (created when missing).
   * @example
   * Template.fromNodeImage().setWorkdir('/srv/app')
   */
  setWorkdir(path: string): TemplateBuilder;
  /**
   * Sets the user later steps and sandboxes run as (`name`, `uid`, `name:group` or `uid:gid`).
   * @example
   * Template.fromDebianImage().runCmd('useradd -m app').setUser('app')
   */
  setUser(user: string): TemplateBuilder;
  /**
   * Clones a git repository into `path` (default: the repository's name in the working directory).
   * @example
   * Template.fromDebianImage().aptInstall('git').gitClone('https://github.com/pallets/flask.git', '/src/flask', { branch: 'main', depth: 1 })
   */
  gitClone(url: string, path?: string, opts?: { branch?: string; depth?: number }): TemplateBuilder;
  /**
   * Creates a directory and its parents.
   * @example
   * Template.fromDebianImage().makeDir('/data/cache', { mode: '0700' })
   */
  makeDir(path: string, opts?: { mode?: FileMode }): TemplateBuilder;
  /**
   * Creates (or replaces) a symbolic link at `path` that points to `target`.
   * @example
   * Template.fromPythonImage().makeSymlink('/usr/local/bin/python3', '/usr/local/bin/py')
   */
  makeSymlink(target: string, path: string): TemplateBuilder;
  /**
   * Removes a file, or a directory with `recursive: true` (the path is literal, no globbing).
   * @example
   * Template.fromDebianImage().remove('/var/cache/apt', { recursive: true })
   */
  remove(path: string, opts?: { recursive?: boolean }): TemplateBuilder;
  /**
   * Moves or renames a file or directory.
   * @example
   * Template.fromDebianImage().rename('/etc/motd', '/etc/motd.orig')
   */
  rename(from: string, to: string): TemplateBuilder;
}

const list = (v: string | string[]): string[] => (Array.isArray(v) ? [...v] : [v]);

/** The directory name `git clone` would choose for a URL. */
function repoName(url: string): string {
  const last = url.replace(/\/+$/, '').split(/[/:]/).pop() ?? 'repo';
  return last.replace(/\.git$/, '') || 'repo';
}

/** The one implementation of every builder type. */
export class TemplateDefinition implements TemplateBuilder {
  /** The definition's content; read by the SDK's build functions. */
  readonly state: TemplateState;

  /** A definition holding `state`. */
  constructor(state: TemplateState) {
    this.state = state;
  }

  private with(patch: Partial<TemplateState>): TemplateDefinition {
    return new TemplateDefinition({ ...this.state, ...patch });
  }

  private step(step: Step): TemplateDefinition {
    if (this.state.source.kind === 'dockerfile') {
      throw new TypeError('A template from a Dockerfile takes no steps: add them to the Dockerfile.');
    }
    if (this.state.startCmd !== undefined || this.state.readiness !== undefined) {
      throw new TypeError('No step may follow setStartCmd or setReadyCmd.');
    }
    return this.with({ steps: [...this.state.steps, step] });
  }

  toDockerfile(): string {
    return renderDockerfile(this.state);
  }

  toJSON(): Record<string, unknown> {
    return { ...buildRequestBody(this.state, undefined, {}, true) };
  }

  skipCache(): this {
    return this.with({ skipCache: true }) as this;
  }

  buildSecret(id: string, value: string): this {
    return this.with({ secrets: [...this.state.secrets.filter((s) => s.id !== id), { id, value }] }) as this;
  }

  setStartCmd(command: string, ready?: ReadyCheck | string): TemplateFinal {
    const patch: Partial<TemplateState> = { startCmd: command };
    if (ready !== undefined) patch.readiness = toReadyCheck(ready);
    return this.with(patch);
  }

  setReadyCmd(ready: ReadyCheck | string): TemplateFinal {
    return this.with({ readiness: toReadyCheck(ready) });
  }

  runCmd(command: string | string[], opts: { user?: string } = {}): TemplateBuilder {
    const text = Array.isArray(command) ? command.join(' && ') : command;
    return this.step(opts.user === undefined ? { type: 'run', command: text } : { type: 'run', command: text, user: opts.user });
  }

  aptInstall(packages: string | string[], opts: { noInstallRecommends?: boolean } = {}): TemplateBuilder {
    return this.step({ type: 'apt_install', packages: list(packages), ...(opts.noInstallRecommends ? { no_install_recommends: true } : {}) });
  }

  pipInstall(packages: string | string[], opts: { indexUrl?: string } = {}): TemplateBuilder {
    return this.step({ type: 'pip_install', packages: list(packages), ...(opts.indexUrl !== undefined ? { index_url: opts.indexUrl } : {}) });
  }

  npmInstall(packages: string | string[], opts: { global?: boolean } = {}): TemplateBuilder {
    return this.step({ type: 'npm_install', packages: list(packages), ...(opts.global ? { global: true } : {}) });
  }

  copy(src: string | string[], dest: string, opts: { user?: string; mode?: FileMode } = {}): TemplateBuilder {
    return this.step({
      type: 'copy', src: Array.isArray(src) ? [...src] : src, dest,
      ...(opts.user !== undefined ? { user: opts.user } : {}),
      ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
    });
  }

  setEnvs(envs: Record<string, string>): TemplateBuilder {
    return this.step({ type: 'env', envs: { ...envs } });
  }

  setWorkdir(path: string): TemplateBuilder {
    return this.step({ type: 'workdir', path });
  }

  setUser(user: string): TemplateBuilder {
    return this.step({ type: 'user', user });
  }

  gitClone(url: string, path?: string, opts: { branch?: string; depth?: number } = {}): TemplateBuilder {
    return this.step({
      type: 'git_clone', url, path: path ?? repoName(url),
      ...(opts.branch !== undefined ? { branch: opts.branch } : {}),
      ...(opts.depth !== undefined ? { depth: opts.depth } : {}),
    });
  }

  makeDir(path: string, opts: { mode?: FileMode } = {}): TemplateBuilder {
    return this.step({ type: 'make_dir', path, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) });
  }

  makeSymlink(target: string, path: string): TemplateBuilder {
    return this.step({ type: 'make_symlink', target, path });
  }

  remove(path: string, opts: { recursive?: boolean } = {}): TemplateBuilder {
    return this.step({ type: 'remove', path, ...(opts.recursive ? { recursive: true } : {}) });
  }

  rename(from: string, to: string): TemplateBuilder {
    return this.step({ type: 'rename', from, to });
  }
}

/** The state of a definition made by this SDK; throws a clear TypeError for anything else. */
export function stateOf(template: TemplateFinal): TemplateState {
  if (!(template instanceof TemplateDefinition)) {
    throw new TypeError('Expected a template definition made with Template.fromImage, fromPythonImage, fromDockerfile, …');
  }
  return template.state;
}
