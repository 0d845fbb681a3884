/** How the CLI prints templates: a table row per template, a detail view, tags and aliases. */
import type { TemplateAlias, TemplateInfo, TemplateTag } from '@kiln/sdk';

/** Lays `rows` out in columns, the first row being the header. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

/** The `kiln templates ls` table. */
export function templatesTable(templates: Partial<TemplateInfo>[]): string {
  const rows = [['NAME', 'ID', 'VISIBILITY', 'TAGS', 'UPDATED']];
  for (const t of templates) {
    rows.push([t.canonical_ref ?? t.name ?? '-', t.id ?? '-', t.visibility ?? '-', (t.tags ?? []).map((x) => x.tag).join(',') || '-', t.updated_at ?? '-']);
  }
  return table(rows);
}

/** The tags of a template, one per line with the build each points at. */
export function tagsTable(tags: TemplateTag[]): string {
  if (tags.length === 0) return '(no tags)';
  return table([['TAG', 'BUILD', 'UPDATED'], ...tags.map((t) => [t.tag, t.build_id ?? '-', t.updated_at])]);
}

/** The aliases of a template. */
export function aliasesTable(aliases: TemplateAlias[]): string {
  if (aliases.length === 0) return '(no aliases)';
  return table([['ALIAS', 'CREATED'], ...aliases.map((a) => [a.alias, a.created_at])]);
}

/** The `kiln templates get` view: every field the answer has. */
export function templateLines(t: Partial<TemplateInfo>): string[] {
  const rows: [string, string | undefined][] = [
    ['id', t.id], ['name', t.name], ['ref', t.canonical_ref], ['namespace', t.namespace_slug], ['visibility', t.visibility],
    ['builtin', t.builtin === undefined ? undefined : String(t.builtin)], ['default tag', t.default_tag === undefined ? undefined : t.default_tag ?? '-'],
    ['description', t.description === undefined ? undefined : t.description ?? '-'],
    ['aliases', t.aliases === undefined ? undefined : t.aliases.join(', ') || '-'],
    ['created', t.created_at], ['updated', t.updated_at],
  ];
  const present = rows.filter((r): r is [string, string] => r[1] !== undefined);
  const width = Math.max(...present.map(([k]) => k.length), 4) + 1;
  const lines = present.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`);
  if (t.tags !== undefined) lines.push('tags:', ...tagsTable(t.tags).split('\n').map((l) => `  ${l}`));
  return lines;
}
