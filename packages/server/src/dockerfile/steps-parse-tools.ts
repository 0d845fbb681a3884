import type { FieldReader } from './steps-fields.ts';
import type { ParsedStep } from './steps-ops.ts';
import { quoteShellArg, quoteShellArgs } from './shell-quote.ts';
import {
  checkAptPackage, checkGitBranch, checkGitUrl, checkHttpUrl, checkNpmPackage, checkPath, checkPipRequirement,
  formatMode, hasUrlCredentials, normalisePath,
} from './steps-values.ts';

/** Wraps one generated shell command as a parsed step. */
function shell(command: string): ParsedStep {
  return { ops: [{ op: 'run_shell', command }] };
}

/** Reads a path field and returns it normalised and shell-quoted. */
function quotedPath(r: FieldReader, key: string): string | undefined {
  const p = r.string(key, checkPath);
  return p === undefined ? undefined : quoteShellArg(normalisePath(p));
}

/** `apt_install` → `apt-get update && … apt-get install -y [--no-install-recommends] <pkgs> && rm -rf /var/lib/apt/lists/*`. */
export function parseAptInstall(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['packages', 'no_install_recommends']);
  const pkgs = r.list('packages', checkAptPackage);
  const noRecommends = r.bool('no_install_recommends');
  if (!r.ok || !pkgs) return undefined;
  const flags = noRecommends ? ' --no-install-recommends' : '';
  return shell(`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y${flags} ${quoteShellArgs(pkgs)} && rm -rf /var/lib/apt/lists/*`);
}

/** `pip_install` → `pip install --no-cache-dir [--index-url <url>] <requirements>`. */
export function parsePipInstall(r: FieldReader, warnings: string[]): ParsedStep | undefined {
  r.allowOnly(['packages', 'index_url']);
  const pkgs = r.list('packages', checkPipRequirement);
  const index = r.string('index_url', checkHttpUrl, { required: false });
  if (!r.ok || !pkgs) return undefined;
  if (index !== undefined && hasUrlCredentials(index)) {
    warnings.push(`${r.path}.index_url carries credentials; they will be visible in the template's build definition and image history.`);
  }
  const indexFlag = index === undefined ? '' : ` --index-url ${quoteShellArg(index)}`;
  return shell(`pip install --no-cache-dir${indexFlag} ${quoteShellArgs(pkgs)}`);
}

/** `npm_install` → `npm install [-g] <specs>`. */
export function parseNpmInstall(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['packages', 'global']);
  const pkgs = r.list('packages', checkNpmPackage);
  const global = r.bool('global');
  if (!r.ok || !pkgs) return undefined;
  return shell(`npm install${global ? ' -g' : ''} ${quoteShellArgs(pkgs)}`);
}

/** `git_clone` → `git clone [--branch <b>] [--depth <n>] -- <url> <path>`. */
export function parseGitClone(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['url', 'path', 'branch', 'depth']);
  const url = r.string('url', checkGitUrl);
  const path = quotedPath(r, 'path');
  const branch = r.string('branch', checkGitBranch, { required: false });
  const depth = r.integer('depth', 1, 2147483647);
  if (!r.ok || url === undefined || path === undefined) return undefined;
  const opts = (branch === undefined ? '' : ` --branch ${quoteShellArg(branch)}`) + (depth === undefined ? '' : ` --depth ${depth}`);
  return shell(`git clone${opts} -- ${quoteShellArg(url)} ${path}`);
}

/** `make_dir` → `mkdir -p [-m <mode>] -- <path>`. */
export function parseMakeDir(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['path', 'mode']);
  const path = quotedPath(r, 'path');
  const mode = r.mode('mode');
  if (!r.ok || path === undefined) return undefined;
  return shell(`mkdir -p${mode === undefined ? '' : ` -m ${formatMode(mode)}`} -- ${path}`);
}

/** `make_symlink` → `ln -sfn -- <target> <path>`. */
export function parseMakeSymlink(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['target', 'path']);
  const target = quotedPath(r, 'target');
  const path = quotedPath(r, 'path');
  if (!r.ok || target === undefined || path === undefined) return undefined;
  return shell(`ln -sfn -- ${target} ${path}`);
}

/** `remove` → `rm -f [-r] -- <path>` (never the root directory). */
export function parseRemove(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['path', 'recursive']);
  const raw = r.string('path', checkPath);
  const recursive = r.bool('recursive');
  if (raw !== undefined && normalisePath(raw) === '/') r.fail('path', 'is the root directory, which cannot be removed');
  if (!r.ok || raw === undefined) return undefined;
  return shell(`rm -f${recursive ? ' -r' : ''} -- ${quoteShellArg(normalisePath(raw))}`);
}

/** `rename` → `mv -- <from> <to>`. */
export function parseRename(r: FieldReader): ParsedStep | undefined {
  r.allowOnly(['from', 'to']);
  const from = quotedPath(r, 'from');
  const to = quotedPath(r, 'to');
  if (!r.ok || from === undefined || to === undefined) return undefined;
  return shell(`mv -- ${from} ${to}`);
}
