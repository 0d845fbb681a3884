/**
 * Which image references name a template. A template is used as a base when a FROM line or
 * base_image is its id (`tmpl_…`) or its name (optionally `name:tag` or `name:tb_…`, and
 * optionally in a namespace: `namespace/name:tag`); such a name shadows a Docker Hub image of the
 * same short name, and the plan warns when it does. Refs in the reserved `kiln/` namespace name
 * builtin templates (`kiln/debian:bookworm`), which every tenant may use once the server has built
 * them; another tenant's namespace reaches its public templates. The one resolver of refs is
 * domain/templates/resolve-template-ref.ts.
 */
import type { Store } from '../../store/store.ts';
import { TAG_RE, TEMPLATE_NAME_RE } from '../request/names.ts';
import { BUILTIN_TENANT } from '../builtin-tenant.ts';
import { resolveTemplateRef } from '../templates/resolve-template-ref.ts';

const TEMPLATE_ID_RE = /^tmpl_[a-z2-7]{20}$/;
/** Namespace slugs: what `namespaceSlug` makes of a tenant id. */
const NAMESPACE_RE = /^[a-z0-9-]{1,128}$/;

/** The parts of a template ref, when `ref` has a template ref's shape. */
export interface TemplateRefTarget {
  /** A raw template id. */
  id?: string;
  name?: string;
  /** The namespace before `/`, when given. */
  namespace?: string;
  /** The part after `:`: a tag, or a build id (`tb_…`). */
  qualifier?: string;
  /** Whether the namespace is the builtin one (`kiln/`). */
  builtin?: boolean;
}

/** The template name or id a ref would name, when it has a template ref's shape. */
export function templateRefTarget(ref: string): TemplateRefTarget | undefined {
  if (TEMPLATE_ID_RE.test(ref)) return { id: ref };
  const slash = ref.indexOf('/');
  const namespace = slash >= 0 ? ref.slice(0, slash) : undefined;
  if (namespace !== undefined && !NAMESPACE_RE.test(namespace)) return undefined;
  const [name, qualifier, ...rest] = ref.slice(slash + 1).split(':');
  if (rest.length > 0 || !TEMPLATE_NAME_RE.test(name)) return undefined;
  if (qualifier !== undefined && !TAG_RE.test(qualifier)) return undefined;
  const target: TemplateRefTarget = { name };
  if (namespace !== undefined) target.namespace = namespace;
  if (qualifier !== undefined) target.qualifier = qualifier;
  if (namespace === BUILTIN_TENANT) target.builtin = true;
  return target;
}

/** The subset of `refs` that name templates the tenant may use as a base (its own, builtins, public ones). */
export async function findTemplateRefs(store: Store, tenantId: string, refs: Iterable<string>): Promise<Set<string>> {
  const found = new Set<string>();
  for (const ref of new Set(refs)) {
    if (templateRefTarget(ref) && await resolveTemplateRef(store, tenantId, ref)) found.add(ref);
  }
  return found;
}
