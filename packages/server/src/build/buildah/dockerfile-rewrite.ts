/**
 * The Dockerfile as buildah is given it: FROM lines that name an image of Kiln's own store (a
 * builtin base or a template) point at it directly (`oci:<layout>:<name>`), and each stage
 * declares the build-only environment (`build_envs`) as ARGs, which RUN steps see and the
 * image does not keep. Everything else is the user's text, line for line; a table maps each
 * instruction buildah numbers back to its line in the original file.
 */
import { normalizeText } from '../../dockerfile/dockerfile-lines.ts';
import { parseDockerfile } from '../../dockerfile/parse-dockerfile.ts';
import { extractFlags, splitWhitespace } from '../../dockerfile/instruction-words.ts';

/** What to change. */
export interface RewriteOptions {
  /** New image references for FROM instructions, by their 1-based line in the original text. */
  fromImages: Map<number, string>;
  /** Names declared as `ARG name` at the top of every stage (values are passed as build args). */
  stageArgs: string[];
}

/** The rewritten Dockerfile. */
export interface RewrittenDockerfile {
  text: string;
  /**
   * Per stage (in file order), the original 1-based line of each instruction buildah counts as a
   * step, or null for the ARG lines added here.
   */
  stages: (number | null)[][];
}

/** Rewrites `text` as {@link RewriteOptions} says. */
export function rewriteDockerfile(text: string, opts: RewriteOptions): RewrittenDockerfile {
  const lines = normalizeText(text).split('\n');
  const parsed = parseDockerfile(text);
  const starts = parsed.instructions.map((i) => i.line);
  // Output lines with the original line each came from (null: added).
  const out: { text: string; from: number | null }[] = lines.map((t, i) => ({ text: t, from: i + 1 }));
  const inserts = new Map<number, string[]>();
  parsed.instructions.forEach((ins, k) => {
    if (ins.keyword !== 'FROM') return;
    const end = (starts[k + 1] ?? lines.length + 1) - 1;
    const image = opts.fromImages.get(ins.line);
    if (image !== undefined) {
      out[ins.line - 1] = { text: fromLine(ins.args, image), from: ins.line };
      for (let l = ins.line + 1; l <= end; l++) out[l - 1] = { text: '', from: l };
    }
    if (opts.stageArgs.length > 0) inserts.set(end, opts.stageArgs.map((name) => `ARG ${name}`));
  });
  const merged: { text: string; from: number | null }[] = [];
  out.forEach((line, i) => {
    merged.push(line);
    for (const added of inserts.get(i + 1) ?? []) merged.push({ text: added, from: null });
  });
  const result = merged.map((l) => l.text).join('\n');

  const stages: (number | null)[][] = [];
  for (const ins of parseDockerfile(result).instructions) {
    if (ins.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(merged[ins.line - 1]?.from ?? null);
  }
  return { text: result, stages };
}

/** `FROM [flags] <image> [AS name]`, keeping the original flags and stage name. */
function fromLine(args: string, image: string): string {
  const { flags, rest } = extractFlags(args);
  const words = splitWhitespace(rest);
  const flagText = flags.map((f) => `--${f.name}${f.value === null ? '' : `=${f.value}`}`);
  return ['FROM', ...flagText, image, ...words.slice(1)].join(' ');
}
