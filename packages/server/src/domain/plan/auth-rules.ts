/** Rules for base_image_auth and registry_auth against the images a build pulls. */
import { problem, type Problem } from '../../errors/errors.ts';
import { normalizeRegistry, parseImageReference } from '../../oci/image-reference.ts';
import type { BuildRequest } from '../schemas/build-request-schema.ts';

/** What the auth rules need to know about a source's external images. */
export interface PulledImages {
  /** External (non-template) images the build pulls. */
  images: string[];
  /** Whether the base is a Kiln template. */
  base_is_template: boolean;
  /** Dockerfile builds: whether a needed FROM uses a variable. */
  variable_from: boolean;
  /** Dockerfile builds: whether the target stage starts from an earlier stage (an alias) rather than an image. */
  alias_stage_base: boolean;
  /** Whether the source is a Dockerfile. */
  is_dockerfile: boolean;
}

/** Registry hosts of a list of image references (invalid ones skipped). */
export function registryHosts(images: string[]): Set<string> {
  const hosts = new Set<string>();
  for (const img of images) {
    const r = parseImageReference(img);
    if (typeof r !== 'string') hosts.add(r.registry);
  }
  return hosts;
}

/** Problems with the request's credentials for the images it pulls. */
export function checkAuth(req: BuildRequest, pulled: PulledImages): Problem[] {
  const out: Problem[] = [];
  const hosts = registryHosts(pulled.images);
  if (req.base_image_auth) {
    const bad = (msg: string) => out.push(problem('base_image_auth_unsupported', msg, 'auth', { field: 'base_image_auth' }));
    if (pulled.base_is_template) bad('base_image_auth applies to external images; the base is a Kiln template, which needs none.');
    else if (pulled.is_dockerfile) {
      if (pulled.variable_from) bad('base_image_auth cannot be used when a FROM line uses a variable: write the image name out.');
      else if (hosts.size > 1) bad(`base_image_auth applies to one registry, but the Dockerfile pulls from ${[...hosts].join(', ')}: use registry_auth per registry.`);
      else if (pulled.images.length !== 1) bad(`base_image_auth needs exactly one external FROM image; the Dockerfile uses ${pulled.images.length}: use registry_auth instead.`);
      else if (pulled.alias_stage_base) bad('base_image_auth cannot be used when the built stage starts from another stage: FROM the image directly, or use registry_auth.');
    }
  }
  (req.registry_auth ?? []).forEach((r, i) => {
    const host = normalizeRegistry(r.registry);
    if (!hosts.has(host)) {
      const used = hosts.size ? [...hosts].join(', ') : 'no external registry';
      out.push(problem('registry_auth_mismatch', `registry_auth[${i}].registry ${JSON.stringify(r.registry)} is not used by this build (it pulls from ${used}).`, 'auth', { field: `registry_auth[${i}].registry` }));
    }
  });
  return out;
}
