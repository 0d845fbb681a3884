/**
 * Which sources a request may combine, and which backend builds them.
 *
 * | request gives                         | source_type   | default backend |
 * |---------------------------------------|---------------|-----------------|
 * | dockerfile (inline or dockerfile_path) | dockerfile    | buildkit (native rejected) |
 * | base_image + steps                    | declarative   | native          |
 * | base_image                            | oci_import    | native          |
 * | base_image naming a Kiln template (± steps) | template_base | native    |
 *
 * A Dockerfile cannot be combined with base_image or steps (its FROM is the base); steps
 * need a base_image; a request with none of these has no source.
 */
import { problem, type Problem } from '../../errors/errors.ts';
import type { BuildBackend, SourceType } from '../../store/store.ts';
import type { BuildRequest } from '../schemas/build-request-schema.ts';

/** The source a request describes, before template refs are resolved. */
export type SourceKind = 'dockerfile' | 'steps' | 'image';

/** Outcome of the source rules. */
export interface SourceDecision {
  kind: SourceKind | undefined;
  backend: BuildBackend;
  problems: Problem[];
}

/** Applies the combination and backend rules to a type-checked request. */
export function decideSource(req: BuildRequest): SourceDecision {
  const problems: Problem[] = [];
  const add = (code: Problem['code'], message: string, field: string) => problems.push(problem(code, message, 'request', { field }));
  const hasDockerfile = typeof req.dockerfile === 'string' || typeof req.dockerfile_path === 'string';
  const hasImage = typeof req.base_image === 'string';
  const hasSteps = Array.isArray(req.steps);

  let kind: SourceKind | undefined;
  if (hasDockerfile) {
    kind = 'dockerfile';
    if (hasImage) add('conflicting_sources', 'Give either dockerfile or base_image, not both: the Dockerfile\'s FROM names its base.', 'base_image');
    if (hasSteps) add('conflicting_sources', 'Give either dockerfile or steps, not both: put the steps in the Dockerfile, or use base_image with steps.', 'steps');
  } else if (hasSteps) {
    kind = 'steps';
    if (!hasImage) add('missing_base_image', 'steps need a base: give base_image (an image such as debian:bookworm, or one of your templates).', 'base_image');
  } else if (hasImage) {
    kind = 'image';
  } else {
    add('missing_source', 'The request has no source: give dockerfile, base_image, or base_image with steps.', 'body');
  }

  const defaultBackend: BuildBackend = kind === 'dockerfile' ? 'buildkit' : 'native';
  const backend = req.build_backend ?? defaultBackend;
  if (kind === 'dockerfile' && backend === 'native') {
    add('backend_mismatch', 'Dockerfile input cannot be built with build_backend "native": omit build_backend or use "buildkit".', 'build_backend');
  }
  if (backend === 'native') {
    for (const k of ['dockerfile_path', 'build_args', 'build_target'] as const) {
      if (req[k] !== undefined) add('option_requires_buildkit', `${k} applies only to the buildkit backend; remove it or use build_backend "buildkit".`, k);
    }
    if (req.build_secrets !== undefined) {
      add('secrets_require_buildkit', 'build_secrets are supported only by the buildkit backend: build from a Dockerfile or set build_backend "buildkit".', 'build_secrets');
    }
  } else if (kind !== 'dockerfile') {
    for (const k of ['dockerfile_path', 'build_target'] as const) {
      if (req[k] !== undefined) add('option_requires_buildkit', `${k} applies only to Dockerfile builds.`, k);
    }
  }
  return { kind, backend, problems };
}

/** The API's source_type for a decided source. */
export function sourceTypeOf(kind: SourceKind, baseIsTemplate: boolean): SourceType {
  if (kind === 'dockerfile') return 'dockerfile';
  if (baseIsTemplate) return 'template_base';
  return kind === 'steps' ? 'declarative' : 'oci_import';
}
