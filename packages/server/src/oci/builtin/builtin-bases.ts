/**
 * The builtin bases Kiln can make without any image registry, and how each is built and
 * registered: as an image in the layout store and as a public template of the reserved
 * `kiln` namespace, usable as `base_image`, in `FROM`, and as a template base.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import type { Store } from '../../store/store.ts';
import { newId } from '../../domain/ids.ts';
import { BUILTIN_TENANT } from '../../domain/builtin-tenant.ts';
import type { OciLayoutStore } from '../image-store/oci-layout-store.ts';
import type { Descriptor } from '../oci-types.ts';
import { busyboxRootfs, debianMirror, debianRootfs } from './base-rootfs.ts';
import { rootfsToImage, type ImageSettings } from './rootfs-to-image.ts';


const DEBIAN_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'DEBIAN_FRONTEND=noninteractive'];

interface BuiltinBase {
  /** The image and template ref, e.g. `kiln/debian:bookworm`. */
  ref: string;
  settings: ImageSettings;
  makeRootfs(dir: string): Promise<void>;
}

/** Every builtin base, by the name `kiln bases build` takes. */
export const BUILTIN_BASES: Record<string, BuiltinBase> = {
  'debian-bookworm': {
    ref: 'kiln/debian:bookworm',
    settings: { env: DEBIAN_ENV, cmd: ['/bin/bash'] },
    makeRootfs: async (dir) => debianRootfs(dir, 'bookworm', await debianMirror()),
  },
  busybox: {
    ref: 'kiln/busybox:latest',
    settings: { env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], cmd: ['/bin/sh'] },
    makeRootfs: (dir) => busyboxRootfs(dir),
  },
};

/** Builds a builtin base and registers it; returns its manifest descriptor. */
export async function buildBuiltinBase(key: string, deps: { store: Store; images: OciLayoutStore; workDir?: string }): Promise<{ ref: string; manifest: Descriptor }> {
  const base = BUILTIN_BASES[key];
  if (!base) {
    throw new KilnError('invalid_request', `No builtin base ${JSON.stringify(key)}; choose one of ${Object.keys(BUILTIN_BASES).join(', ')}.`);
  }
  const dir = await mkdtemp(path.join(deps.workDir ?? tmpdir(), `kiln-base-${key}-`));
  try {
    await base.makeRootfs(path.join(dir, 'rootfs'));
    const manifest = await rootfsToImage(path.join(dir, 'rootfs'), base.ref, deps.images, base.settings);
    await registerBuiltinTemplate(deps.store, base.ref);
    return { ref: base.ref, manifest };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Records the public template a builtin ref names (`kiln/debian:bookworm` → template `debian` of tenant `kiln`). */
export async function registerBuiltinTemplate(store: Store, ref: string): Promise<void> {
  const name = ref.replace(/^kiln\//, '').split(':')[0];
  const now = new Date().toISOString();
  await store.ensureTenant(BUILTIN_TENANT, now);
  if (await store.findTemplateByName(BUILTIN_TENANT, name)) return;
  await store.insertTemplate({ id: newId('tmpl'), tenant_id: BUILTIN_TENANT, name, description: `Builtin base ${ref}`, visibility: 'public', created_at: now, updated_at: now });
}
