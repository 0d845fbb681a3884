/** Which executor runs a build, decided when it is queued. */
import type { BuildBackend, SourceType } from '../store/store.ts';

/** Executors a worker may have: image import, the native step executor, and the Dockerfile engine. */
export type ExecutorKind = 'image_import' | 'native' | 'buildkit';

/**
 * The executor for a build: buildkit runs any Dockerfile (given or generated); an image alone is
 * an import; native runs steps over an image, and builds on templates (stacking their layers).
 */
export function executorFor(backend: BuildBackend, sourceType: SourceType, hasSteps: boolean): ExecutorKind {
  if (backend === 'buildkit') return 'buildkit';
  return sourceType === 'oci_import' && !hasSteps ? 'image_import' : 'native';
}
