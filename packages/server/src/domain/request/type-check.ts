/** Type-level checks of a JSON body against a TypeBox schema, as Problems with field paths. */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { problem, type Problem } from '../../errors/errors.ts';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** Turns a JSON pointer (`/build_config/vcpus`) into a field path (`build_config.vcpus`). */
export function pointerToField(pointer: string): string {
  return pointer.split('/').slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** Every type error of `value` against `schema`, one per field, with messages that name the field. */
export function typeProblems(schema: TSchema, value: unknown): Problem[] {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) return [];
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const err of check.Errors(value)) {
    const field = pointerToField(err.path);
    // A union reports each branch; the parent path says enough.
    if ([...seen].some((s) => field !== s && field.startsWith(s) && s !== '')) continue;
    if (seen.has(field)) continue;
    seen.add(field);
    const where = field || 'body';
    out.push(problem('invalid_request', `${where}: ${err.message.toLowerCase()}${describeValue(err.value)}.`, 'request', { field: where }));
    if (out.length >= 50) break;
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === undefined) return '';
  const t = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v}`;
  return ` (got ${t})`;
}
