/**
 * A tenant's template used as a base (`FROM my-template`, `base_image: "my-template:prod"`):
 * the build a ref names and that build's artifact. A `tb_…` qualifier names a build; any other
 * qualifier is a tag; without one the `default` tag, else the newest ready build, is used.
 */
import { KilnError } from '../errors/errors.ts';
import { templateRefTarget } from '../domain/plan/template-refs.ts';
import type { ArtifactRecord, BuildRecord, Store, TemplateRecord } from '../store/store.ts';

/** The build and artifact a template ref resolves to. */
export interface TemplateBase {
  build: BuildRecord;
  artifact: ArtifactRecord;
}

const DEFAULT_TAG = 'default';

function notFound(ref: string, why: string): KilnError {
  return new KilnError('base_image_not_found', `The base ${ref}: ${why}`, { phase: 'preparing' });
}

/** What a template ref names: the template (when the tenant has it), the qualifier, and the build it points at (when there is one). */
export async function findTemplateBuild(store: Store, tenantId: string, ref: string): Promise<{ template?: TemplateRecord; qualifier?: string; build?: BuildRecord }> {
  const target = templateRefTarget(ref);
  const template = target?.id ? await store.getTemplate(tenantId, target.id)
    : target?.name && !target.builtin ? await store.findTemplateByName(tenantId, target.name) : undefined;
  if (!template) return {};
  const qualifier = target?.name ? ref.split(':')[1] : undefined;
  let build: BuildRecord | undefined;
  if (qualifier?.startsWith('tb_')) {
    build = await store.getBuild(tenantId, qualifier);
    if (build?.template_id !== template.id) build = undefined;
  } else {
    const tag = await store.getTemplateTag(tenantId, template.id, qualifier ?? DEFAULT_TAG);
    build = tag ? await store.getBuild(tenantId, tag.build_id) : qualifier ? undefined : (await store.listBuilds({ tenant_id: tenantId, template_id: template.id, status: 'ready', limit: 1 })).builds[0];
  }
  return { template, qualifier, build };
}

/** Resolves `ref` among the tenant's templates; throws `base_image_not_found` saying why it cannot be used. */
export async function resolveTemplateBase(store: Store, tenantId: string, ref: string): Promise<TemplateBase> {
  const { template, qualifier, build } = await findTemplateBuild(store, tenantId, ref);
  if (!template) throw notFound(ref, 'no template of yours has this name or id.');
  if (!build) throw notFound(ref, `template ${template.name} has no build ${qualifier ? `for ${JSON.stringify(qualifier)}` : 'tagged default and no ready build'}.`);
  if (build.status !== 'ready') throw notFound(ref, `its build ${build.id} is ${build.status}, not ready.`);
  const artifact = build.artifact_id ? await store.getArtifact(tenantId, build.artifact_id) : undefined;
  if (!artifact || artifact.status !== 'available') throw notFound(ref, `the artifact of build ${build.id} is ${artifact?.status ?? 'missing'}; rebuild the template.`);
  return { build, artifact };
}
