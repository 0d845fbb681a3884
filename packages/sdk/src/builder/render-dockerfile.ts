/**
 * Renders a template definition as Dockerfile text, for the user's eyes (`toDockerfile()`). Steps
 * are rendered line for line as the server converts them (its plan's `generated_dockerfile`); the
 * start command follows as `CMD` and the ready check as a comment. Pure: no I/O.
 */
import { describeReadyCheck } from './readiness.ts';
import {
  dockerfileDoubleQuoted, dockerfileJsonArray, escapeDockerfileValue, formatMode, normalisePath, quoteShellArg,
  quoteShellArgs, renderRunShell,
} from './quote.ts';
import type { Step } from './steps.ts';
import type { TemplateState } from './template-state.ts';

/** RUN lines wrapped in a USER switch and back when a step runs as another user. */
function asUser(user: string | undefined, current: { user?: string }, run: string): string[] {
  if (user === undefined || user === current.user) return [run];
  return [`USER ${user}`, run, `USER ${current.user ?? 'root'}`];
}

const path = (p: string): string => quoteShellArg(normalisePath(p));

/** The Dockerfile lines of one step. */
function renderStep(step: Step, current: { user?: string }): string[] {
  switch (step.type) {
    case 'run':
      return asUser(step.user, current, renderRunShell(step.command));
    case 'copy': {
      const srcs = (Array.isArray(step.src) ? step.src : [step.src]).map(normalisePath);
      const dest0 = normalisePath(step.dest);
      const dest = srcs.length > 1 && !dest0.endsWith('/') ? `${dest0}/` : dest0;
      const flags = (step.user ? ` --chown=${step.user}` : '') + (step.mode !== undefined ? ` --chmod=${formatMode(step.mode)}` : '');
      return [`COPY${flags} ${dockerfileJsonArray([...srcs, dest], { expand: true })}`];
    }
    case 'env':
      return [`ENV ${Object.entries(step.envs).map(([k, v]) => `${k}=${dockerfileDoubleQuoted(v)}`).join(' ')}`];
    case 'workdir':
      return [`WORKDIR ${escapeDockerfileValue(normalisePath(step.path))}`];
    case 'user':
      current.user = step.user;
      return [`USER ${step.user}`];
    case 'apt_install': {
      const flags = step.no_install_recommends ? ' --no-install-recommends' : '';
      return [renderRunShell(`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y${flags} ${quoteShellArgs(step.packages)} && rm -rf /var/lib/apt/lists/*`)];
    }
    case 'pip_install': {
      const index = step.index_url === undefined ? '' : ` --index-url ${quoteShellArg(step.index_url)}`;
      return [renderRunShell(`pip install --no-cache-dir${index} ${quoteShellArgs(step.packages)}`)];
    }
    case 'npm_install':
      return [renderRunShell(`npm install${step.global ? ' -g' : ''} ${quoteShellArgs(step.packages)}`)];
    case 'git_clone': {
      const opts = (step.branch === undefined ? '' : ` --branch ${quoteShellArg(step.branch)}`) + (step.depth === undefined ? '' : ` --depth ${step.depth}`);
      return [renderRunShell(`git clone${opts} -- ${quoteShellArg(step.url)} ${path(step.path)}`)];
    }
    case 'make_dir':
      return [renderRunShell(`mkdir -p${step.mode === undefined ? '' : ` -m ${formatMode(step.mode)}`} -- ${path(step.path)}`)];
    case 'make_symlink':
      return [renderRunShell(`ln -sfn -- ${path(step.target)} ${path(step.path)}`)];
    case 'remove':
      return [renderRunShell(`rm -f${step.recursive ? ' -r' : ''} -- ${path(step.path)}`)];
    case 'rename':
      return [renderRunShell(`mv -- ${path(step.from)} ${path(step.to)}`)];
  }
}

/** The Dockerfile text of a template definition. */
export function renderDockerfile(state: TemplateState): string {
  const lines: string[] = [];
  if (state.source.kind === 'dockerfile') {
    lines.push(state.source.content.replace(/\n+$/, ''));
  } else {
    lines.push(`FROM ${state.source.ref}`);
    const current: { user?: string } = {};
    for (const step of state.steps) lines.push(...renderStep(step, current));
  }
  if (state.startCmd !== undefined) lines.push(`CMD ${dockerfileJsonArray(['/bin/sh', '-c', state.startCmd])}`);
  if (state.readiness) lines.push(`# ready when: ${describeReadyCheck(state.readiness)}`);
  return `${lines.join('\n')}\n`;
}
