/** Which source an image reference is read from: Kiln's own layout for `kiln/…` builtins, else its registry. */
import { KilnError } from '../../errors/errors.ts';
import { BUILTIN_PREFIX } from '../../domain/builtin-tenant.ts';
import type { RegistryCredentials } from '../../domain/schemas/common-schemas.ts';
import { parseImageReference } from '../image-reference.ts';
import type { OciLayoutStore } from '../image-store/oci-layout-store.ts';
import type { RegistryClient } from '../registry/registry-client.ts';
import type { ImageSource } from './image-source.ts';
import { LayoutSource } from './layout-source.ts';
import { RegistrySource } from './registry-source.ts';

/** The source of `ref`; `credentials` picks the credentials for the ref's registry host (none by default). */
export function imageSourceFor(ref: string, deps: {
  images: OciLayoutStore;
  client: RegistryClient;
  credentials?: (registry: string) => RegistryCredentials | undefined;
}): ImageSource {
  if (ref.startsWith(BUILTIN_PREFIX)) return new LayoutSource(deps.images, ref.includes(':') ? ref : `${ref}:latest`);
  const parsed = parseImageReference(ref);
  if (typeof parsed === 'string') {
    throw new KilnError('invalid_image_reference', `${JSON.stringify(ref)} is not a valid image reference: ${parsed}.`, { phase: 'preparing' });
  }
  return new RegistrySource(deps.client, parsed, deps.credentials?.(parsed.registry));
}
