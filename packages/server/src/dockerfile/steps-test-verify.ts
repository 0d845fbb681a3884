/**
 * Checks, for the tests, that the instructions generated for one accepted step carry each of the
 * step's values intact: in exactly one shell word or one decoded Dockerfile word, never as syntax.
 */
import { normalisePath, parseMode } from './steps-values.ts';
import {
  decodeDockerPairs, decodeDockerWord, matchTokens, runCommand, splitShellWords, type ReadInstruction,
} from './steps-test-checker.ts';

type Step = Record<string, unknown>;

/** Asserts a condition, naming the step. */
function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** Asserts two JSON-able values are equal. */
function same(actual: unknown, wanted: unknown, what: string): void {
  expect(JSON.stringify(actual) === JSON.stringify(wanted), `${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
}

/** The shell words of a RUN instruction, matched against a template (`null` marks a user value). */
function runSlots(ins: ReadInstruction, template: Array<string | null>): string[] {
  expect(ins.keyword === 'RUN', `expected RUN, got ${ins.keyword}`);
  return matchTokens(splitShellWords(runCommand(ins.rest)), template);
}

/** Strips the RUN instructions out of a USER switch, checking the switch when the step names a user. */
function unwrapUser(ins: ReadInstruction[], user: unknown): ReadInstruction[] {
  if (typeof user !== 'string' || ins.length === 1) return ins;
  same(ins.length, 3, 'USER-wrapped run length');
  same([ins[0].keyword, ins[0].rest], ['USER', user], 'USER switch');
  same(ins[2].keyword, 'USER', 'USER switch back');
  return [ins[1]];
}

/** Decodes a COPY or ADD line into its flags and JSON-form words. */
function decodeCopy(ins: ReadInstruction): { flags: string[]; words: string[] } {
  const m = /^((?:--[a-z]+=\S+ )*)(\[.*\])$/.exec(ins.rest);
  expect(m !== null, `COPY not in flags + JSON form: ${ins.rest}`);
  const words = (JSON.parse(m![2]) as string[]).map(decodeDockerWord);
  return { flags: m![1].trim() === '' ? [] : m![1].trim().split(' '), words };
}

/** Lists a field that may be a string or an array. */
function asList(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : [v as string];
}

/**
 * Throws unless `ins`, the instructions generated for the accepted step `step`, carry its values intact.
 * `user` is the user a `run` step switched to, when it did.
 */
export function verifyStep(step: Step, ins: ReadInstruction[]): void {
  const np = (v: unknown) => normalisePath(v as string);
  switch (step.type) {
    case 'run': {
      const [run] = unwrapUser(ins, step.user);
      if (Array.isArray(step.command)) same(JSON.parse(run.rest), step.command, 'exec-form argv');
      else same(runCommand(run.rest), step.command, 'shell command');
      return;
    }
    case 'copy': case 'add': {
      same(ins.length, 1, 'copy lines');
      const { flags, words } = decodeCopy(ins[0]);
      const srcs = asList(step.src).map((s) => (/^https?:\/\//i.test(s) ? s : np(s)));
      const dest = np(step.dest);
      same(words, [...srcs, srcs.length > 1 && !dest.endsWith('/') ? `${dest}/` : dest], 'copy words');
      const wantFlags = [
        ...(step.user === undefined ? [] : [`--chown=${step.user as string}`]),
        ...(step.mode === undefined ? [] : [`--chmod=${parseMode(step.mode)!.toString(8).padStart(4, '0')}`]),
      ];
      same(flags, wantFlags, 'copy flags');
      return;
    }
    case 'env':
      same(ins.map((i) => i.keyword), ['ENV'], 'env keyword');
      same(decodeDockerPairs(ins[0].rest), Object.entries(step.envs as object), 'env pairs');
      return;
    case 'arg':
      same(ins[0].keyword, 'ARG', 'arg keyword');
      same(decodeDockerPairs(ins[0].rest), [[step.name, step.default]], 'arg pair');
      return;
    case 'workdir':
      same([ins[0].keyword, decodeDockerWord(ins[0].rest)], ['WORKDIR', np(step.path)], 'workdir');
      return;
    case 'user':
      same([ins[0].keyword, ins[0].rest], ['USER', step.user], 'user');
      return;
    default:
      verifyGenerated(step, ins);
  }
}

/** Checks the steps whose RUN command Kiln generates, and the upper-case form. */
function verifyGenerated(step: Step, ins: ReadInstruction[]): void {
  const np = (v: unknown) => normalisePath(v as string);
  const pkgs = step.packages as string[];
  const slots = pkgs ? pkgs.map(() => null) : [];
  switch (step.type) {
    case 'apt_install':
      same(runSlots(ins[0], ['apt-get', 'update', '&&', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y',
        ...(step.no_install_recommends ? ['--no-install-recommends'] : []), ...slots, '&&', 'rm', '-rf', '/var/lib/apt/lists/*']), pkgs, 'apt packages');
      return;
    case 'pip_install': {
      const idx = step.index_url === undefined ? [] : ['--index-url', null];
      same(runSlots(ins[0], ['pip', 'install', '--no-cache-dir', ...idx, ...slots]),
        [...(step.index_url === undefined ? [] : [step.index_url]), ...pkgs], 'pip words');
      return;
    }
    case 'npm_install':
      same(runSlots(ins[0], ['npm', 'install', ...(step.global ? ['-g'] : []), ...slots]), pkgs, 'npm packages');
      return;
    case 'git_clone': {
      const t = ['git', 'clone', ...(step.branch === undefined ? [] : ['--branch', null]), ...(step.depth === undefined ? [] : ['--depth', String(step.depth)]), '--', null, null];
      same(runSlots(ins[0], t), [...(step.branch === undefined ? [] : [step.branch]), step.url, np(step.path)], 'git words');
      return;
    }
    case 'make_dir': {
      const m = step.mode === undefined ? [] : ['-m', parseMode(step.mode)!.toString(8).padStart(4, '0')];
      same(runSlots(ins[0], ['mkdir', '-p', ...m, '--', null]), [np(step.path)], 'mkdir path');
      return;
    }
    case 'make_symlink':
      same(runSlots(ins[0], ['ln', '-sfn', '--', null, null]), [np(step.target), np(step.path)], 'ln words');
      return;
    case 'remove':
      same(runSlots(ins[0], ['rm', '-f', ...(step.recursive ? ['-r'] : []), '--', null]), [np(step.path)], 'rm path');
      return;
    case 'rename':
      same(runSlots(ins[0], ['mv', '--', null, null]), [np(step.from), np(step.to)], 'mv words');
      return;
    default:
      verifyLegacy(step, ins);
  }
}

/** Checks the upper-case `{type, args}` form. */
function verifyLegacy(step: Step, ins: ReadInstruction[]): void {
  const args = step.args as string[];
  switch (step.type) {
    case 'RUN':
      same(ins.map((i) => [i.keyword, runCommand(i.rest)]), args.map((a) => ['RUN', a]), 'RUN commands');
      return;
    case 'CMD':
      same([ins[0].keyword, JSON.parse(ins[0].rest)], ['CMD', args], 'CMD argv');
      return;
    case 'ENV':
      same(decodeDockerPairs(ins[0].rest), args.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]), 'ENV pairs');
      return;
    case 'WORKDIR':
      same([ins[0].keyword, decodeDockerWord(ins[0].rest)], ['WORKDIR', normalisePath(args[0])], 'WORKDIR');
      return;
    case 'USER':
      same([ins[0].keyword, ins[0].rest], ['USER', args[0]], 'USER');
      return;
    case 'COPY': {
      const { flags, words } = decodeCopy(ins[0]);
      const paths = args.map(normalisePath);
      const srcs = paths.length === 1 ? ['.'] : paths.slice(0, -1);
      const dest = paths[paths.length - 1];
      same([flags, words], [[], [...srcs, srcs.length > 1 && !dest.endsWith('/') ? `${dest}/` : dest]], 'COPY words');
      return;
    }
    default:
      throw new Error(`unknown step type ${String(step.type)}`);
  }
}
