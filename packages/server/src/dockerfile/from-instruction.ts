/**
 * Parsing a FROM line: `[--platform=…] image [AS name]`, with the image and platform expanded
 * from the global ARGs only (as Docker does).
 */
import { processWord, type VariableLookup } from './expand-variables.ts';
import { extractFlags, splitWhitespace } from './instruction-words.ts';

/** A parsed FROM line, or an error sentence. */
export type ParsedFrom =
  | { image: string; usedVariable: boolean; name: string | null; platform: string | null; flags: Record<string, string> }
  | { error: string };

const STAGE_NAME = /^[a-z][a-z0-9\-_.]*$/;

/** Reads the `AS name` of a FROM line without expanding anything (names are never expanded). */
export function stageNameOf(args: string): string | null {
  const words = splitWhitespace(extractFlags(args).rest);
  return words.length === 3 && words[1].toLowerCase() === 'as' ? words[2].toLowerCase() : null;
}

/** Parses a FROM line's arguments. */
export function parseFrom(args: string, escape: string, lookup: VariableLookup): ParsedFrom {
  const { flags, rest } = extractFlags(args);
  const words = splitWhitespace(rest);
  if (words.length === 0) return { error: 'FROM needs an image.' };
  if (words.length !== 1 && !(words.length === 3 && words[1].toLowerCase() === 'as')) {
    return { error: 'FROM takes an image and an optional "AS name".' };
  }
  const name = words.length === 3 ? words[2].toLowerCase() : null;
  if (name !== null && !STAGE_NAME.test(name)) {
    return { error: `invalid stage name ${JSON.stringify(words[2])}: it must start with a letter and hold only letters, digits, "-", "_" and ".".` };
  }
  const image = processWord(words[0], escape, lookup);
  if (image.value === '') return { error: `the image ${JSON.stringify(words[0])} expands to nothing.` };
  const out: Record<string, string> = {};
  let platform: string | null = null;
  for (const flag of flags) {
    if (flag.name !== 'platform') return { error: `FROM has an unknown flag --${flag.name}.` };
    platform = processWord(flag.value ?? '', escape, lookup).value;
    out.platform = platform;
  }
  return { image: image.value, usedVariable: image.usedVariable, name, platform, flags: out };
}
