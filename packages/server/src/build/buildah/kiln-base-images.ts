/**
 * FROM references that name an image of Kiln itself rather than a registry image: builtin
 * bases (`kiln/busybox`, `kiln/debian:bookworm`) and the tenant's own templates (`tmpl_…`,
 * `name`, `name:tag`, `name:tb_…`). buildah reads them straight from Kiln's OCI layout
 * (`oci:<layout>:<name>`), with no registry involved. A template is used through the OCI image
 * (`kiln-build-<build_id>`) of the build its ref names (see findTemplateBuild).
 *
 * buildah names what it reads from an `oci:` path after the path (`localhost/<path>:latest`), so
 * the path must be a valid, lowercase repository name, and should differ per image: the layout is
 * reached through a symlink named after the manifest digest in the host's link directory
 * (under `/run/kiln-oci`), which gives every image its own content-addressed name in buildah's storage.
 */
import { mkdir, readlink, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { BUILTIN_PREFIX } from '../../domain/builtin-tenant.ts';
import { builtinKey } from '../../oci/import/layout-source.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { Store } from '../../store/store.ts';
import { findTemplateBuild } from '../template-base.ts';
import { buildImageRef } from '../artifacts/artifact-paths.ts';

/** What resolving needs. */
export interface KilnBaseDeps {
  store: Store;
  images: OciLayoutStore;
  /** Where the layout's links are made (a lowercase path; see BuildahHost.linkDir). */
  linkDir: string;
}

function notFound(ref: string, why: string): KilnError {
  return new KilnError('base_image_not_found', `FROM ${ref}: ${why}`, { phase: 'preparing' });
}

/** A Kiln image as buildah reads it: the `oci:` reference, and its name in Kiln's image store. */
export interface KilnBase {
  oci: string;
  name: string;
}

/** The `oci:` reference buildah reads the image `name` (manifest `digest`) of Kiln's layout through. */
async function ociRef(images: OciLayoutStore, linkDir: string, name: string, digest: string): Promise<KilnBase> {
  await mkdir(linkDir, { recursive: true, mode: 0o700 });
  const link = path.join(linkDir, digest.replace(/^sha256:/, '').slice(0, 32));
  const current = await readlink(link).catch(() => undefined);
  if (current !== images.root) {
    if (current !== undefined) await rm(link, { force: true });
    await symlink(images.root, link).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
  }
  return { oci: `oci:${link}:${name}`, name };
}

/** The image of each Kiln ref in `refs` (builtins and templates of `tenantId`). */
export async function resolveKilnBases(refs: Iterable<string>, tenantId: string, deps: KilnBaseDeps): Promise<Map<string, KilnBase>> {
  const out = new Map<string, KilnBase>();
  for (const ref of refs) {
    if (out.has(ref)) continue;
    out.set(ref, ref.startsWith(BUILTIN_PREFIX) ? await builtinBase(ref, deps) : await templateBase(ref, tenantId, deps));
  }
  return out;
}

async function builtinBase(ref: string, { images, linkDir }: KilnBaseDeps): Promise<KilnBase> {
  const name = ref.includes(':') ? ref : `${ref}:latest`;
  const desc = await images.resolve(name);
  if (!desc) throw notFound(ref, `the builtin base ${name} has not been built on this server: run \`kiln bases build ${builtinKey(name)}\`.`);
  return ociRef(images, linkDir, name, desc.digest);
}

async function templateBase(ref: string, tenantId: string, deps: KilnBaseDeps): Promise<KilnBase> {
  const { template, qualifier, build } = await findTemplateBuild(deps.store, tenantId, ref);
  if (!template) throw notFound(ref, 'no template of yours has this name or id.');
  const desc = build?.status === 'ready' ? await deps.images.resolve(buildImageRef(build.id)) : undefined;
  if (!build || !desc) {
    throw notFound(ref, `template ${template.name} has no ready build${qualifier ? ` matching ${JSON.stringify(qualifier)}` : ''} whose image this server still keeps; build the template again.`);
  }
  return ociRef(deps.images, deps.linkDir, buildImageRef(build.id), desc.digest);
}
