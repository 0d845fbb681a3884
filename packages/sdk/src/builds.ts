/**
 * Starting builds and the read-only build requests (validate, plan, history): a definition becomes
 * a request body, its context (when it reads one) is uploaded first, then the request is sent.
 */
import { buildRequestBody, needsContext, type BuildRequestBody, type BuildRequestOptions } from './builder/build-request.ts';
import type { TemplateState } from './builder/template-state.ts';
import { TemplateBuild } from './build-handle.ts';
import { uploadContext, type ContextUpload } from './context/upload-context.ts';
import { walkContext } from './context/walk-context.ts';
import { ContextError, buildFailure } from './errors.ts';
import { KilnClient, seg } from './http/client.ts';
import type { ConnectionOptions } from './http/connection.ts';
import type { BuildBackend, BuildInfo, BuildPage, BuildStatus, LogEntry, PlanResult, ValidationResult } from './types.ts';

/** Options of a build request: build options, the context directory and the connection. */
export interface RequestOptions extends BuildRequestOptions, ConnectionOptions {
  /** The build context directory for copy steps or a Dockerfile's COPY/ADD (default: the current directory); uploaded only when the template reads it. */
  contextPath?: string;
  /** Stops the requests (and, for `build`, the waiting). */
  signal?: AbortSignal;
}

/** Options of `Template.build`. */
export interface BuildOptions extends RequestOptions {
  /** Called with every log entry as the build writes it. */
  onLog?: (entry: LogEntry) => void;
}

/** Options of `Template.listBuilds`. */
export interface ListBuildsOptions extends ConnectionOptions {
  status?: BuildStatus;
  backend?: BuildBackend;
  /** `next_cursor` of the previous page. */
  cursor?: string;
  /** Page size, 1–100 (default 20). */
  limit?: number;
}

/** The request body for a definition, with its context uploaded when it reads one. */
async function prepare(client: KilnClient, state: TemplateState, name: string | undefined, opts: RequestOptions): Promise<{ body: BuildRequestBody; upload?: ContextUpload }> {
  const body = buildRequestBody(state, name, opts);
  if (!needsContext(state)) return { body };
  const walked = await walkContext(opts.contextPath ?? process.cwd());
  if (walked.files.length === 0) {
    throw new ContextError(`The build context ${walked.root} holds no files (after .dockerignore), but the template copies from it; pass contextPath.`, { code: 'invalid_context', phase: 'context' });
  }
  const upload = await uploadContext(client, walked, { signal: opts.signal });
  body.build_context = { context_manifest_id: upload.context.context_manifest_id };
  return { body, upload };
}

/** Starts a build and returns its handle. */
export async function startBuild(state: TemplateState, name: string, opts: RequestOptions = {}): Promise<TemplateBuild> {
  const client = new KilnClient(opts);
  const { body, upload } = await prepare(client, state, name, opts);
  const info = await client.json<BuildInfo>('POST', '/v1/templates/builds', { json: body, signal: opts.signal });
  return new TemplateBuild(client, info, upload);
}

/** Starts a build, streams its log to `onLog`, and returns the ready build; throws BuildError (or BuildCancelledError) otherwise. */
export async function buildAndWait(state: TemplateState, name: string, opts: BuildOptions = {}): Promise<BuildInfo> {
  const build = await startBuild(state, name, opts);
  const info = await build.waitUntilTerminal({ onLog: opts.onLog, signal: opts.signal });
  if (info.status !== 'ready') throw buildFailure(info);
  return info;
}

/** Every problem of the build request for a definition, without building. */
export async function validateRequest(state: TemplateState, name: string | undefined, opts: RequestOptions = {}): Promise<ValidationResult> {
  const client = new KilnClient(opts);
  const { body } = await prepare(client, state, name, opts);
  return client.json<ValidationResult>('POST', '/v1/templates/validate', { json: body, signal: opts.signal });
}

/** The normalised plan of the build request for a definition, without building. */
export async function planRequest(state: TemplateState, name: string | undefined, opts: RequestOptions = {}): Promise<PlanResult> {
  const client = new KilnClient(opts);
  const { body } = await prepare(client, state, name, opts);
  return client.json<PlanResult>('POST', '/v1/templates/plan', { json: body, signal: opts.signal });
}

/** A page of a template's build history. */
export async function listBuildPage(ref: string, opts: ListBuildsOptions = {}): Promise<BuildPage> {
  const client = new KilnClient(opts);
  return client.json<BuildPage>('GET', `/v1/templates/${seg(ref)}/builds`, {
    query: { status: opts.status, backend: opts.backend, cursor: opts.cursor, limit: opts.limit },
  });
}
