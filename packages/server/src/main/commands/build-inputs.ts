/**
 * The inputs `kiln build`, `plan` and `validate` share: a Dockerfile (a file, or a directory holding
 * one, whose directory is the build context), `--build-arg`, `--target`, `--secret`, `--tag`,
 * `--skip-cache`, `--no-internet` and `--backend`, turned into an SDK definition and request options.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Template, type BuildBackend, type DockerfileTemplate, type RequestOptions } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';

/** The flags of `kiln build`, `plan` and `validate`. */
export interface BuildFlags {
  file?: string;
  name?: string;
  tag?: string[];
  buildArg?: string[];
  target?: string;
  secret?: string[];
  skipCache?: boolean;
  /** false with `--no-internet`. */
  internet?: boolean;
  backend?: string;
}

/** A Dockerfile build ready to send: the definition, its context directory, its name and request options. */
export interface BuildInputs {
  template: DockerfileTemplate;
  contextPath: string;
  dockerfilePath: string;
  name: string | undefined;
  options: RequestOptions;
}

/** The Dockerfile and the context directory of `target` (a Dockerfile, or a directory holding one) and `--file`. */
export function locateDockerfile(target: string, file?: string): { dockerfilePath: string; contextPath: string } {
  const abs = path.resolve(target);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    throw new CliError(`${target} does not exist: give a Dockerfile or a directory that holds one`, EXIT.usage);
  }
  if (stat.isDirectory()) {
    const dockerfilePath = path.resolve(abs, file ?? 'Dockerfile');
    try {
      if (!statSync(dockerfilePath).isFile()) throw new Error('not a file');
    } catch {
      throw new CliError(`no Dockerfile at ${dockerfilePath}: add one, or name it with --file`, EXIT.usage);
    }
    return { dockerfilePath, contextPath: abs };
  }
  if (file !== undefined) throw new CliError('--file names the Dockerfile inside a directory; give the directory, not a file', EXIT.usage);
  return { dockerfilePath: abs, contextPath: path.dirname(abs) };
}

/** `KEY=VALUE` pairs (a bare `KEY` takes its value from the environment, as Docker does). */
export function parseBuildArgs(args: string[] = [], env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  if (args.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    if (!key) throw new CliError(`--build-arg ${JSON.stringify(arg)}: write KEY=VALUE`, EXIT.usage);
    const value = eq < 0 ? env[key] : arg.slice(eq + 1);
    if (value === undefined) throw new CliError(`--build-arg ${key}: no value given and ${key} is not set in the environment`, EXIT.usage);
    out[key] = value;
  }
  return out;
}

/**
 * Build secrets from `id=ENV_VAR` (the variable's value) or `id=@file` (the file's contents). Values
 * are read here and sent only in the request; they are never printed.
 */
export function parseSecrets(specs: string[] = [], env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  if (specs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const id = eq < 0 ? '' : spec.slice(0, eq);
    const source = eq < 0 ? '' : spec.slice(eq + 1);
    if (!id || !source) throw new CliError(`--secret ${JSON.stringify(spec)}: write id=ENV_VAR or id=@file`, EXIT.usage);
    if (source.startsWith('@')) {
      try {
        out[id] = readFileSync(source.slice(1), 'utf8');
      } catch (err) {
        throw new CliError(`--secret ${id}: cannot read ${source.slice(1)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, EXIT.usage);
      }
    } else {
      const value = env[source];
      if (value === undefined) throw new CliError(`--secret ${id}: the environment variable ${source} is not set`, EXIT.usage);
      out[id] = value;
    }
  }
  return out;
}

/** A template name from a directory's name: lowercase, other characters as `-` (names are 1–128 of a-z 0-9 . _ -). */
export function nameFromDirectory(dir: string): string | undefined {
  const name = path.basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+|[-._]+$/g, '').slice(0, 128);
  return name || undefined;
}

/** The backend flag, checked. */
function backendOf(value: string | undefined): BuildBackend | undefined {
  if (value === undefined) return undefined;
  if (value !== 'native' && value !== 'buildkit') throw new CliError(`--backend ${value}: use native or buildkit`, EXIT.usage);
  return value;
}

/** The definition and options for `target` and `flags`. */
export function buildInputs(target: string, flags: BuildFlags): BuildInputs {
  const { dockerfilePath, contextPath } = locateDockerfile(target, flags.file);
  let content: string;
  try {
    content = readFileSync(dockerfilePath, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${dockerfilePath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, EXIT.usage);
  }
  const buildArgs = parseBuildArgs(flags.buildArg);
  const template = Template.fromDockerfile(content, { ...(buildArgs ? { buildArgs } : {}), ...(flags.target !== undefined ? { target: flags.target } : {}) });
  const options: RequestOptions = { contextPath };
  if (flags.tag?.length) options.tags = flags.tag;
  const secrets = parseSecrets(flags.secret);
  if (secrets) options.buildSecrets = secrets;
  if (flags.skipCache) options.skipCache = true;
  if (flags.internet === false) options.resources = { internetAccess: false };
  const backend = backendOf(flags.backend);
  if (backend) options.buildBackend = backend;
  return { template, contextPath, dockerfilePath, name: flags.name ?? nameFromDirectory(contextPath), options };
}
