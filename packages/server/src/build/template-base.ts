/**
 * A template used as a base (`FROM my-template`, `base_image: "my-template:prod"`, another tenant's public `team/tool:v1`):
 * the build a ref names and that build's artifact. A `tb_…` qualifier names a build; any other
 * qualifier is a tag; without one the `default` tag, else the newest ready build, is used.
 */
import { KilnError } from '../errors/errors.ts';
import { resolveTemplateRef } from '../domain/templates/resolve-template-ref.ts';
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

/**
 * What a template ref names: the template (the tenant's own, or another tenant's public one), the
 * qualifier, and the build it points at (when there is one). Builtin refs (`kiln/…`) name images,
 * not builds: they give an empty answer here.
 */
export async function findTemplateBuild(store: Store, tenantId: string, ref: string): Promise<{ template?: TemplateRecord; qualifier?: string; build?: BuildRecord }> {
  const resolved = await resolveTemplateRef(store, tenantId, ref);
  if (!resolved || resolved.builtin) return {};
  const { template, qualifier } = resolved;
  // The template's builds and tags belong to its owner, who may be another tenant (a public template).
  const owner = template.tenant_id;
  let build: BuildRecord | undefined;
  if (qualifier?.startsWith('tb_')) {
    build = await store.getBuild(owner, qualifier);
    if (build?.template_id !== template.id) build = undefined;
  } else {
    const tag = await store.getTemplateTag(owner, template.id, qualifier ?? DEFAULT_TAG);
    build = tag ? await store.getBuild(owner, tag.build_id) : qualifier ? undefined : (await store.listBuilds({ tenant_id: owner, template_id: template.id, status: 'ready', limit: 1 })).builds[0];
  }
  return { template, qualifier, build };
}

/** Resolves `ref` among the tenant's templates; throws `base_image_not_found` saying why it cannot be used. */
export async function resolveTemplateBase(store: Store, tenantId: string, ref: string): Promise<TemplateBase> {
  const { template, qualifier, build } = await findTemplateBuild(store, tenantId, ref);
  if (!template) throw notFound(ref, 'no template of yours has this name or id.');
  if (!build) throw notFound(ref, `template ${template.name} has no build ${qualifier ? `for ${JSON.stringify(qualifier)}` : 'tagged default and no ready build'}.`);
  if (build.status !== 'ready') throw notFound(ref, `its build ${build.id} is ${build.status}, not ready.`);
  const artifact = build.artifact_id ? await store.getArtifact(build.tenant_id, build.artifact_id) : undefined;
  if (!artifact || artifact.status !== 'available') throw notFound(ref, `the artifact of build ${build.id} is ${artifact?.status ?? 'missing'}; rebuild the template.`);
  return { build, artifact };
}
