/**
 * Parsing of `key=value` lists (ENV, LABEL, ARG), including the legacy `ENV key value`
 * form, as Docker's parser reads them; values stay raw until expansion.
 */
import { splitWordsRaw } from './instruction-words.ts';

/** A raw key and value, or an error sentence. */
export type NameValueResult = { pairs: [string, string][] } | { error: string };

/** Parses ENV or LABEL arguments: `k=v k2="v 2"` or the legacy `k value with spaces`. */
export function parseNameValues(keyword: string, args: string, escape: string): NameValueResult {
  const words = splitWordsRaw(args, escape);
  if (words.length === 0) return { error: `${keyword} requires at least one argument.` };
  if (!words[0].includes('=')) {
    const m = /[ \t\n\r\f\v]+/.exec(args);
    if (m === null) return { error: `${keyword} ${words[0]} has no value; write ${keyword} ${words[0]}=value.` };
    return { pairs: [[args.slice(0, m.index), args.slice(m.index + m[0].length)]] };
  }
  const pairs: [string, string][] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq === -1) return { error: `${keyword} expects name=value pairs, but ${JSON.stringify(word)} has no "=".` };
    pairs.push([word.slice(0, eq), word.slice(eq + 1)]);
  }
  return { pairs };
}

/** One ARG declaration: a name and, when given, a raw default. */
export interface ArgDeclaration {
  name: string;
  value: string | undefined;
}

/** Parses ARG arguments: `NAME`, `NAME=default`, several of them. */
export function parseArgs(args: string, escape: string): { decls: ArgDeclaration[] } | { error: string } {
  const words = splitWordsRaw(args, escape);
  if (words.length === 0) return { error: 'ARG requires at least one argument.' };
  const decls: ArgDeclaration[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    const name = eq === -1 ? word : word.slice(0, eq);
    if (name === '') return { error: `ARG ${JSON.stringify(word)} has no name.` };
    decls.push({ name, value: eq === -1 ? undefined : word.slice(eq + 1) });
  }
  return { decls };
}
