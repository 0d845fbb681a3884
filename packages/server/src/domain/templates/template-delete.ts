/**
 * When a template may be deleted: not while one of its builds is waiting or building (cancel it or
 * let it end), and not while a build of another template starts from it and still needs it (waiting,
 * building, or ready with its artifact kept). Builds of other tenants that use a public template
 * are counted without naming them.
 */
import { KilnError } from '../../errors/errors.ts';
import type { Store, TemplateRecord } from '../../store/store.ts';

const SHOWN = 5;

/** Throws `template_in_use` naming what depends on the template, when anything does. */
export async function checkDeletable(tx: Store, tenantId: string, template: TemplateRecord): Promise<void> {
  for (const status of ['building', 'waiting'] as const) {
    const [running] = (await tx.listBuilds({ tenant_id: tenantId, template_id: template.id, status, limit: 1 })).builds;
    if (running) {
      throw new KilnError('template_in_use', `Template ${template.name} cannot be deleted while its build ${running.id} is ${status}: cancel it (POST /v1/templates/builds/${running.id}/cancel) or wait until it ends.`);
    }
  }
  const dependents = await tx.listTemplateDependents(template.id, 100);
  if (dependents.length === 0) return;
  const own = dependents.filter((d) => d.tenant_id === tenantId);
  const foreign = dependents.length - own.length;
  const named = own.slice(0, SHOWN).map((d) => `template ${d.template_name} (build ${d.build_id}, ${d.status})`);
  if (own.length > SHOWN) named.push(`${own.length - SHOWN} more build${own.length - SHOWN > 1 ? 's' : ''} of yours`);
  if (foreign > 0) named.push(`${foreign}${dependents.length === 100 ? '+' : ''} build${foreign > 1 ? 's' : ''} of other tenants (it is public)`);
  throw new KilnError('template_in_use', `Template ${template.name} cannot be deleted: it is the base of ${named.join(', ')}. Delete those templates first, or wait until their builds end or their artifacts expire.`);
}
