/**
 * The one resolver of template refs, for every template route, build history and template base.
 * A ref is a raw id (`tmpl_…`), `name`, `name:tag`, `name:tb_…`, or any of these after a namespace
 * (`namespace/name:tag`). Without a namespace, or with the caller's own namespace slug, a name is
 * one of the caller's templates (by name, then by alias); `kiln/` names a builtin template; another
 * namespace names that tenant's *public* template (by name). A raw id is the caller's template or
 * anyone's public one. Another tenant's private template resolves to nothing, exactly like a
 * missing one.
 */
import type { Store, TemplateRecord } from '../../store/store.ts';
import { BUILTIN_TENANT } from '../builtin-tenant.ts';
import { namespaceSlug } from '../build-view.ts';
import { templateRefTarget } from '../plan/template-refs.ts';

/** A template a ref names, and what the caller may do with it. */
export interface ResolvedTemplateRef {
  template: TemplateRecord;
  /** The part after `:` (a tag, or a build id `tb_…`), when the ref has one. */
  qualifier?: string;
  /** Whether the caller's tenant owns the template (only owners change it or see its builds). */
  owned: boolean;
  /** Whether it is a builtin template of the reserved `kiln/` namespace. */
  builtin: boolean;
}

/** Resolves `ref` for `tenantId`, or undefined when it names no template the tenant may read. */
export async function resolveTemplateRef(store: Store, tenantId: string, ref: string): Promise<ResolvedTemplateRef | undefined> {
  const target = templateRefTarget(ref);
  if (!target) return undefined;
  const found = (template: TemplateRecord | undefined): ResolvedTemplateRef | undefined => template && {
    template,
    ...(target.qualifier !== undefined ? { qualifier: target.qualifier } : {}),
    owned: template.tenant_id === tenantId,
    builtin: template.tenant_id === BUILTIN_TENANT,
  };
  if (target.id) {
    return found(await store.getTemplate(tenantId, target.id) ?? (await store.findPublicTemplates({ id: target.id }))[0]);
  }
  const name = target.name!;
  if (target.builtin) return found(await store.findTemplateByName(BUILTIN_TENANT, name));
  if (target.namespace === undefined || target.namespace === namespaceSlug(tenantId)) {
    return found(await store.findTemplateByName(tenantId, name) ?? await store.findTemplateByAlias(tenantId, name));
  }
  const ns = target.namespace;
  const shared = await store.findPublicTemplates({ name });
  return found(shared.find((t) => t.tenant_id !== BUILTIN_TENANT && namespaceSlug(t.tenant_id) === ns));
}

/** Resolves `ref` to a template the caller owns, or undefined (another tenant's template, public or not, included). */
export async function resolveOwnedTemplateRef(store: Store, tenantId: string, ref: string): Promise<ResolvedTemplateRef | undefined> {
  const resolved = await resolveTemplateRef(store, tenantId, ref);
  return resolved?.owned ? resolved : undefined;
}
