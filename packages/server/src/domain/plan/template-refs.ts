/**
 * Which image references name one of the tenant's templates. A template is used as a base when
 * a FROM line or base_image is its id (`tmpl_…`) or its name (optionally `name:tag` or
 * `name:tb_…`); such a name shadows a Docker Hub image of the same short name, and the plan
 * warns when it does. Refs in the reserved `kiln/` namespace name builtin templates
 * (`kiln/debian:bookworm`), which every tenant may use once the server has built them.
 */
import type { Store } from '../../store/store.ts';
import { TEMPLATE_NAME_RE } from '../request/names.ts';
import { BUILTIN_PREFIX, BUILTIN_TENANT } from '../builtin-tenant.ts';

const TEMPLATE_ID_RE = /^tmpl_[a-z2-7]{20}$/;

/** The template name or id a ref would name, when it has a template ref's shape. */
export function templateRefTarget(ref: string): { id?: string; name?: string; builtin?: boolean } | undefined {
  if (TEMPLATE_ID_RE.test(ref)) return { id: ref };
  if (ref.startsWith(BUILTIN_PREFIX)) {
    const inner = templateRefTarget(ref.slice(BUILTIN_PREFIX.length));
    return inner?.name ? { name: inner.name, builtin: true } : undefined;
  }
  const [name, qualifier, ...rest] = ref.split(':');
  if (rest.length > 0 || !TEMPLATE_NAME_RE.test(name)) return undefined;
  if (qualifier !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(qualifier)) return undefined;
  return { name };
}

/** The subset of `refs` that name templates of the tenant (or builtins), in at most three queries. */
export async function findTemplateRefs(store: Store, tenantId: string, refs: Iterable<string>): Promise<Set<string>> {
  const targets = new Map<string, NonNullable<ReturnType<typeof templateRefTarget>>>();
  for (const ref of new Set(refs)) {
    const target = templateRefTarget(ref);
    if (target) targets.set(ref, target);
  }
  const found = new Set<string>();
  if (targets.size === 0) return found;
  const names = async (builtin: boolean) => {
    const wanted = [...targets.values()].filter((t) => t.name && !!t.builtin === builtin).map((t) => t.name!);
    const rows = await store.findTemplatesByNames(builtin ? BUILTIN_TENANT : tenantId, wanted);
    return new Set(rows.map((r) => r.name));
  };
  const [own, builtins] = await Promise.all([names(false), names(true)]);
  for (const [ref, t] of targets) {
    if (t.id ? await store.getTemplate(tenantId, t.id) : (t.builtin ? builtins : own).has(t.name!)) found.add(ref);
  }
  return found;
}
