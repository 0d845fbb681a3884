/**
 * COPY and ADD: sources and destination (JSON or space form), `--from` references, flags,
 * heredoc sources, and which sources must come from the build context.
 */
import { processWord } from './expand-variables.ts';
import { parseHeredocWord } from './heredocs.ts';
import { extractFlags, parseJsonArray, splitWhitespace } from './instruction-words.ts';
import type { RawInstruction } from './parse-dockerfile.ts';
import { expand, fail, flagRecord, flagValue } from './stage-helpers.ts';
import type { StageContext } from './stage-types.ts';

const REMOTE_SOURCE = /^(https?:\/\/|git:\/\/|git@|ssh:\/\/)/i;

/** Whether an ADD source is fetched from the network (an http(s) or git URL). */
export function isRemoteSource(source: string): boolean {
  return REMOTE_SOURCE.test(source);
}

/** Expands a heredoc body's variables, keeping quotes and backslashes (only `$` references change). */
function expandHeredocBody(ctx: StageContext, body: string): string {
  if (!body.includes('$')) return body;
  return processWord(body.replace(/["'`]/g, (q) => `\u0000${q}`), '\u0000', ctx.lookup).value;
}

/** Applies a COPY or ADD instruction. */
export function handleCopyAdd(ctx: StageContext, ins: RawInstruction): void {
  const keyword = ins.keyword as 'COPY' | 'ADD';
  const { flags, rest } = extractFlags(ins.args);
  const raw = parseJsonArray(rest) ?? splitWhitespace(rest);
  if (raw.length < 2) {
    fail(ctx, ins, `${keyword} needs at least one source and a destination.`);
    return;
  }
  const heredocWords = new Set<number>();
  const args = raw.map((word, i) => {
    if (i < raw.length - 1 && word.startsWith('<<') && parseHeredocWord(word, ctx.escape) !== null) {
      heredocWords.add(i);
      return word;
    }
    return expand(ctx, word);
  });
  const fromRaw = flagValue(flags, 'from');
  const from = fromRaw === undefined || fromRaw === null ? undefined : expand(ctx, fromRaw);
  if (from !== undefined) ctx.resolveFrom(from, ins.line, `${keyword} --from`);
  let flagsOut = flagRecord(ctx, flags, 'from');
  for (const doc of ins.heredocs) {
    flagsOut ??= {};
    flagsOut[`heredoc:${doc.name}`] = doc.expand ? expandHeredocBody(ctx, doc.content) : doc.content;
  }
  for (let i = 0; i < args.length - 1; i++) {
    if (heredocWords.has(i) || from !== undefined) continue;
    const source = args[i];
    if (keyword === 'ADD' && isRemoteSource(source)) {
      ctx.stage.warnings.push(`Line ${ins.line}: ADD fetches ${source} from the network at build time; the result can change between builds.`);
      continue;
    }
    ctx.stage.contextReferences.push({ line: ins.line, instruction: keyword, source });
  }
  ctx.stage.steps.push({
    instruction: keyword, line: ins.line, stage: ctx.stage.label, args,
    ...(from !== undefined ? { from } : {}),
    ...(flagsOut !== undefined ? { flags: flagsOut } : {}),
  });
}
