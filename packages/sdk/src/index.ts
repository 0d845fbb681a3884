/** @kiln/sdk: build Kiln sandbox templates from TypeScript. */
export { Template } from './template.ts';
export { TemplateBuild, type LogsOptions, type RetryOptions } from './build-handle.ts';
export type { TemplateBuilder, DockerfileTemplate, TemplateFinal } from './builder/template-builder.ts';
export {
  waitForPort, waitForUrl, waitForFile, waitForProcess, waitForTimeout, waitForCommand,
  type ReadyCheck, type ReadyTiming,
} from './builder/readiness.ts';
export { BUILTIN_DEBIAN, DEFAULT_DEBIAN_VARIANT, DEFAULT_NODE_VERSION, DEFAULT_PYTHON_VERSION } from './builder/base-images.ts';
export type { Step, FileMode } from './builder/steps.ts';
export type { RegistryCredentials, BuildSecret } from './builder/template-state.ts';
export type { BuildRequestBody, BuildRequestOptions, BuildResources } from './builder/build-request.ts';
export type { BuildOptions, ListBuildsOptions, RequestOptions } from './builds.ts';
export type { BuildContextInspection, InspectOptions } from './context/inspect-context.ts';
export type { ContextEntry, UnsupportedEntry } from './context/walk-context.ts';
export type { ContextUpload } from './context/upload-context.ts';
export type { AssignedTags, DeletedTemplate, ListTemplatesOptions, NameReservation, TemplateAlias, TemplatePage } from './refs.ts';
export type { ConnectionOptions } from './http/connection.ts';
export {
  KilnError, AuthenticationError, NotFoundError, ValidationError, ContextError, PayloadTooLargeError, ConflictError,
  RateLimitError, ServerError, ConnectionError, BuildError, BuildCancelledError,
  type ErrorDetail, type Problem,
} from './errors.ts';
export type * from './types.ts';
