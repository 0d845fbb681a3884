/**
 * The one catalogue of error codes Kiln returns. Every error a user sees carries one of
 * these codes; the HTTP status and a one-line description live beside it so the
 * documentation and the SDK can be generated from this table.
 */

/** How one error code is rendered: its HTTP status and what it means. */
export interface ErrorCodeSpec {
  /** HTTP status when this error ends a request. */
  status: number;
  /** What the code means, for the documentation. */
  description: string;
}

/** Every stable error code, with its HTTP status and meaning. */
export const ERROR_CODES = {
  // Request-level
  invalid_json: { status: 400, description: 'The request body is not valid JSON.' },
  invalid_request: { status: 400, description: 'A field has the wrong type, is missing, or breaks a documented rule.' },
  payload_too_large: { status: 413, description: 'The request body is larger than the server accepts.' },
  unsupported_media_type: { status: 415, description: 'The request body has a content type this endpoint does not accept.' },
  unauthorized: { status: 401, description: 'No API key was given, or the key is unknown.' },
  not_found: { status: 404, description: 'The resource does not exist, or belongs to another tenant.' },
  route_not_found: { status: 404, description: 'No endpoint has this method and path.' },
  conflict: { status: 409, description: 'The request conflicts with the current state of the resource.' },
  internal_error: { status: 500, description: 'Kiln failed in a way that is not the request\'s fault.' },

  // Build request rules
  invalid_name: { status: 400, description: 'The template name or alias is not a valid name.' },
  invalid_tags: { status: 400, description: 'tags is empty or holds an invalid tag.' },
  missing_source: { status: 400, description: 'The request names no source: give dockerfile, base_image or steps.' },
  conflicting_sources: { status: 400, description: 'The request combines sources that cannot be combined.' },
  missing_base_image: { status: 400, description: 'Declarative steps need a base: give base_image.' },
  invalid_image_reference: { status: 400, description: 'An image reference is not a valid OCI reference.' },
  unsupported_base_image: { status: 400, description: 'The base image is of a kind Kiln does not build on (for example Alpine on the /v1/templates/build endpoint).' },
  backend_mismatch: { status: 400, description: 'The build backend cannot build this source (for example a Dockerfile with native).' },
  option_requires_buildkit: { status: 400, description: 'dockerfile_path, build_args and build_target apply only to the buildkit backend.' },
  secrets_require_buildkit: { status: 400, description: 'build_secrets are supported only by the buildkit backend.' },
  invalid_secret: { status: 400, description: 'A build secret has no id, a duplicate id or a value that is not a string.' },
  registry_auth_mismatch: { status: 400, description: 'A registry_auth entry names a registry the Dockerfile or base image does not use.' },
  base_image_auth_unsupported: { status: 400, description: 'base_image_auth cannot be applied to this source.' },
  build_config_out_of_range: { status: 400, description: 'A build_config value is outside its documented limits.' },
  invalid_runtime_config: { status: 400, description: 'runtime_config or start_cmd is malformed.' },
  invalid_readiness: { status: 400, description: 'A readiness check is malformed.' },
  invalid_step: { status: 400, description: 'A declarative step is malformed or would be unsafe.' },
  invalid_claim_token: { status: 409, description: 'The claim_token does not match the reservation of the template name, or the name has no live reservation (it expired or was never made).' },

  // Dockerfile front end
  dockerfile_parse_error: { status: 400, description: 'The Dockerfile cannot be parsed.' },
  unsupported_instruction: { status: 400, description: 'The Dockerfile uses an instruction Kiln does not know.' },
  unknown_build_target: { status: 400, description: 'build_target names no stage of the Dockerfile.' },
  dockerfile_too_large: { status: 400, description: 'The Dockerfile is longer than Kiln accepts.' },
  undefined_stage: { status: 400, description: 'COPY --from or FROM refers to a stage that is not defined before it.' },

  // Build context
  context_not_found: { status: 400, description: 'build_context refers to a context manifest that does not exist for this tenant.' },
  context_source_missing: { status: 400, description: 'A COPY or ADD source is not in the build context.' },
  invalid_context: { status: 400, description: 'build_context is malformed.' },
  invalid_archive: { status: 400, description: 'The uploaded context is not a readable tar or tar.gz archive.' },
  archive_path_escape: { status: 400, description: 'An archive or image layer entry, or a link in it, would land outside its root.' },
  special_file_rejected: { status: 400, description: 'An archive or layer holds a socket, FIFO or device file.' },
  archive_too_large: { status: 413, description: 'The archive expands past the configured size or file-count limit.' },

  // Builds
  build_not_cancellable: { status: 409, description: 'The build has already finished and cannot be cancelled.' },
  retry_requires_secrets: { status: 400, description: 'The build being retried used build_secrets: give build_secrets again with exactly the same ids (values are never stored); the message names the missing or extra ids.' },
  retry_requires_credentials: { status: 400, description: 'The build being retried used base_image_auth or registry_auth: give them again (credentials are never stored); the message names what is missing.' },
  build_cancelled: { status: 409, description: 'The build was cancelled.' },
  template_exists: { status: 409, description: 'A template with this name already exists and update is false.' },
  template_not_found: { status: 404, description: 'No template has this ref for the caller.' },
  name_in_use: { status: 409, description: 'Another of your templates has this name or alias (names and aliases share one namespace).' },
  name_reserved: { status: 409, description: 'The template name is reserved: a build or rename that takes it must pass the claim_token its reservation returned; reserving it again waits until it expires.' },
  template_in_use: { status: 409, description: 'The template cannot be deleted: one of its builds is waiting or building, or a build of another template starts from it; the message names them.' },
  tag_not_found: { status: 404, description: 'The template has no such tag.' },
  alias_not_found: { status: 404, description: 'The template has no such alias.' },
  step_failed: { status: 422, description: 'A build step exited with an error.' },
  dockerfile_build_failed: { status: 422, description: 'The Dockerfile engine stopped with an error that is not a failing RUN step (a COPY source, an instruction it refuses, …); the message holds its last output lines.' },
  start_cmd_failed: { status: 422, description: 'The start command exited before the template was ready.' },
  readiness_timeout: { status: 422, description: 'The readiness check did not pass in time.' },
  build_network_failed: { status: 503, description: 'The build\'s network (its namespace and slirp4netns) could not be set up.' },
  sandbox_failed: { status: 500, description: 'The build container could not be created or its root filesystem mounted.' },
  base_image_not_found: { status: 404, description: 'The base image does not exist in its registry.' },
  registry_auth_failed: { status: 401, description: 'The registry refused the credentials given.' },
  unsupported_layer_media_type: { status: 422, description: 'An image layer has a media type Kiln cannot apply.' },
  unsupported_manifest: { status: 422, description: 'The image manifest is of a kind Kiln does not import (for example Docker schema 1).' },
  no_matching_platform: { status: 422, description: 'The image offers no Linux manifest for this host\'s architecture; the message lists what it offers.' },
  registry_unreachable: { status: 502, description: 'The registry could not be reached, or kept failing after retries.' },
  digest_mismatch: { status: 502, description: 'Content from the registry did not match its digest or size.' },
  invalid_layer: { status: 422, description: 'An image layer is not a readable tar stream in its declared compression.' },
  layer_too_large: { status: 413, description: 'A layer or image expands past the configured size limit (decompression-bomb guard).' },
  unknown_image_user: { status: 422, description: 'The image\'s User names a user or group that its /etc/passwd or /etc/group does not define.' },
  rootfs_too_large: { status: 422, description: 'The build\'s root filesystem does not fit an ext4 image of build_config.disk_mb; the message gives its size: raise disk_mb.' },
  artifact_unavailable: { status: 409, description: 'The build has no artifact to download; the message gives the reason (build_not_ready, build_failed, build_cancelled, artifact_expired, artifact_missing).' },
  build_not_promotable: { status: 409, description: 'Only a ready build whose artifact is still kept can be promoted; the message gives the reason.' },
  worker_lost: { status: 503, description: 'The worker running the build stopped more often than the retry limit allows.' },
  credentials_required: { status: 400, description: 'The build needs request-time credentials or secrets that this server no longer holds; retry it with them.' },
  warm_pool_unavailable: { status: 503, description: 'No ready sandbox was available from the warm pool in time.' },
} as const satisfies Record<string, ErrorCodeSpec>;

/** A stable error code string, one of the keys of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;
