/**
 * The template object the API returns, and its `fields` mask. A builtin template (`kiln/…`) has
 * no builds: its tags are the tags of its builtin image, with `build_id: null`.
 */
import { KilnError } from '../../errors/errors.ts';
import { BUILTIN_BASES } from '../../oci/builtin/builtin-bases.ts';
import type { Store, TemplateRecord } from '../../store/store.ts';
import { BUILTIN_TENANT } from '../builtin-tenant.ts';
import { namespaceSlug } from '../build-view.ts';

/** Every field of the template object, in the order it is rendered; `fields` masks choose among them. */
export const TEMPLATE_FIELDS = [
  'id', 'name', 'description', 'tags', 'default_tag', 'builtin', 'canonical_ref', 'namespace_slug', 'visibility',
  'aliases', 'created_at', 'updated_at',
] as const;

/** One field of the template object. */
export type TemplateField = typeof TEMPLATE_FIELDS[number];

/** The tag a bare template name resolves to, when the template has it. */
export const DEFAULT_TAG = 'default';

/** One tag of a template as the API shows it. */
export interface TagView {
  tag: string;
  /** The build the tag points at; null for a builtin template's image tags. */
  build_id: string | null;
  updated_at: string;
}

/** Parses a `fields` mask (`id,name,tags`); undefined or empty means every field; an unknown field is a 400. */
export function parseFieldMask(fields: string | undefined): Set<TemplateField> {
  const wanted = (fields ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (wanted.length === 0) return new Set(TEMPLATE_FIELDS);
  const unknown = wanted.filter((f) => !(TEMPLATE_FIELDS as readonly string[]).includes(f));
  if (unknown.length > 0) {
    throw new KilnError('invalid_request', `fields names unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => JSON.stringify(f)).join(', ')}; choose from ${TEMPLATE_FIELDS.join(', ')}.`, { phase: 'request' });
  }
  return new Set(wanted as TemplateField[]);
}

/** The tags of a template: its tag pointers, or a builtin's image tags. */
async function tagsOf(store: Store, t: TemplateRecord): Promise<TagView[]> {
  if (t.tenant_id === BUILTIN_TENANT) {
    return Object.values(BUILTIN_BASES).map((b) => b.ref.split(':'))
      .filter(([name]) => name === `${BUILTIN_TENANT}/${t.name}`)
      .map(([, tag]) => ({ tag, build_id: null, updated_at: t.updated_at }));
  }
  return (await store.listTemplateTags(t.tenant_id, t.id)).map((r) => ({ tag: r.tag, build_id: r.build_id, updated_at: r.updated_at }));
}

/** The tag a bare name resolves to: `default` when the template has it (a builtin: `latest`, else its one tag). */
function defaultTagOf(t: TemplateRecord, tags: TagView[]): string | null {
  const names = tags.map((x) => x.tag);
  if (t.tenant_id === BUILTIN_TENANT) return names.includes('latest') ? 'latest' : names[0] ?? null;
  return names.includes(DEFAULT_TAG) ? DEFAULT_TAG : null;
}

/** Renders a template with the fields of `mask` (every field when omitted). */
export async function templateView(store: Store, t: TemplateRecord, mask: Set<TemplateField> = new Set(TEMPLATE_FIELDS)): Promise<Record<string, unknown>> {
  const ns = namespaceSlug(t.tenant_id);
  const needTags = mask.has('tags') || mask.has('default_tag');
  const tags = needTags ? await tagsOf(store, t) : [];
  const aliases = mask.has('aliases') && t.tenant_id !== BUILTIN_TENANT ? (await store.listTemplateAliases(t.tenant_id, t.id)).map((a) => a.alias) : [];
  const all: Record<TemplateField, unknown> = {
    id: t.id,
    name: t.name,
    description: t.description,
    tags,
    default_tag: needTags ? defaultTagOf(t, tags) : null,
    builtin: t.tenant_id === BUILTIN_TENANT,
    canonical_ref: `${ns}/${t.name}`,
    namespace_slug: ns,
    visibility: t.visibility,
    aliases,
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
  const out: Record<string, unknown> = {};
  for (const f of TEMPLATE_FIELDS) if (mask.has(f)) out[f] = all[f];
  return out;
}
