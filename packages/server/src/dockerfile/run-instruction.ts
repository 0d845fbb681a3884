/**
 * RUN: shell or exec form, heredoc bodies, and `--mount` flags (secret ids, stages and
 * images read with `from=`).
 */
import { splitWordsRaw, extractFlags, parseJsonArray } from './instruction-words.ts';
import type { RawInstruction } from './parse-dockerfile.ts';
import { expand, fail, flagRecord } from './stage-helpers.ts';
import type { StageContext } from './stage-types.ts';

/** Parses a `--mount` value (`type=secret,id=x,target=/y`) into lower-case keys and values. */
export function parseMountSpec(spec: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const field = part.trim();
    if (field === '') continue;
    const eq = field.indexOf('=');
    if (eq === -1) fields.set(field.toLowerCase(), 'true');
    else fields.set(field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return fields;
}

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Records what one mount needs: a secret id, or a stage or image given with `from=`. */
function applyMount(ctx: StageContext, ins: RawInstruction, spec: string): void {
  const fields = parseMountSpec(spec);
  const type = (fields.get('type') ?? 'bind').toLowerCase();
  if (type === 'secret') {
    const target = fields.get('target') ?? fields.get('dst') ?? fields.get('destination');
    const id = fields.get('id') ?? (target === undefined ? '' : basename(target));
    if (id === '') {
      fail(ctx, ins, 'a secret mount needs an id or a target.');
      return;
    }
    ctx.stage.secretIds.add(id);
  }
  const from = fields.get('from');
  if (from !== undefined && from !== '') ctx.resolveFrom(from, ins.line, 'RUN --mount from=');
}

/** The command text of a shell-form RUN with heredocs, as Docker runs it. */
function shellText(ins: RawInstruction, rest: string, escape: string): string {
  if (ins.heredocs.length === 0) return rest;
  const words = splitWordsRaw(rest, escape);
  if (words.length === 1 && ins.heredocs.length === 1) return ins.heredocs[0].content;
  let text = rest;
  for (const doc of ins.heredocs) text += `\n${doc.content}${doc.name}`;
  return text;
}

/** Applies a RUN instruction: a build step and a run step. */
export function handleRun(ctx: StageContext, ins: RawInstruction): void {
  const { flags, rest } = extractFlags(ins.args);
  for (const flag of flags) {
    if (flag.name === 'mount' && flag.value !== null) applyMount(ctx, ins, expand(ctx, flag.value));
  }
  const exec = parseJsonArray(rest);
  if (exec === null && rest === '' && ins.heredocs.length === 0) {
    fail(ctx, ins, 'RUN needs a command.');
    return;
  }
  const text = exec === null ? shellText(ins, rest, ctx.escape) : JSON.stringify(exec);
  const flagsOut = flagRecord(ctx, flags, '');
  ctx.stage.runSteps.push(text);
  ctx.stage.steps.push({
    instruction: 'RUN', line: ins.line, stage: ctx.stage.label,
    args: exec ?? [text], exec_form: exec !== null,
    ...(flagsOut !== undefined ? { flags: flagsOut } : {}),
  });
}
