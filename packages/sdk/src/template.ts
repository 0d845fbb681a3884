/**
 * `Template`: the SDK's entry point. Static builders start a definition (`fromPythonImage`,
 * `fromImage`, `fromDockerfile`, …); static calls build it, inspect its context, validate and plan
 * it, list its builds, and manage template refs. Every call takes the connection options
 * (`apiKey`, `apiUrl`) in its last argument.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { debianImage, nodeImage, pythonImage } from './builder/base-images.ts';
import { TemplateDefinition, stateOf, type DockerfileTemplate, type TemplateBuilder, type TemplateFinal } from './builder/template-builder.ts';
import type { RegistryCredentials, TemplateSource } from './builder/template-state.ts';
import type { TemplateBuild } from './build-handle.ts';
import {
  buildAndWait, listBuildPage, planRequest, startBuild, validateRequest,
  type BuildOptions, type ListBuildsOptions, type RequestOptions,
} from './builds.ts';
import { inspectContext, type BuildContextInspection, type InspectOptions } from './context/inspect-context.ts';
import type { ConnectionOptions } from './http/connection.ts';
import * as refs from './refs.ts';
import type { BuildInfo, BuildPage, PlanResult, TemplateInfo, ValidationResult, Visibility } from './types.ts';

function start(source: TemplateSource): TemplateDefinition {
  return new TemplateDefinition({ source, steps: [], secrets: [], skipCache: false });
}

/** Whether `text` names an existing file rather than holding Dockerfile text. */
function isDockerfilePath(text: string): boolean {
  if (text.includes('\n') || text.length > 4096) return false;
  try {
    return existsSync(text) && statSync(text).isFile();
  } catch {
    return false;
  }
}

/** Builders, builds and refs of Kiln templates. */
export class Template {
  private constructor() {}

  /**
   * Starts from an OCI image, with credentials when its registry is private.
   * @example
   * const t = Template.fromImage('registry.example.com/team/base:1', { auth: { username: 'bot', password: process.env.REG_PASS! } })
   *   .runCmd('echo hello > /hello');
   */
  static fromImage(ref: string, opts: { auth?: RegistryCredentials } = {}): TemplateBuilder {
    return start(opts.auth ? { kind: 'image', ref, auth: opts.auth } : { kind: 'image', ref });
  }

  /**
   * Starts from the official Python image, `python:<version>-slim` (default 3.12; a tag with a variant such as `3.11-bookworm` is used as given).
   * @example
   * const t = Template.fromPythonImage('3.12').pipInstall(['numpy', 'pandas']).setWorkdir('/work');
   */
  static fromPythonImage(version?: string): TemplateBuilder {
    return start({ kind: 'image', ref: pythonImage(version) });
  }

  /**
   * Starts from the official Node.js image, `node:<version>-slim` (default 22).
   * @example
   * const t = Template.fromNodeImage('22').npmInstall('typescript', { global: true });
   */
  static fromNodeImage(version?: string): TemplateBuilder {
    return start({ kind: 'image', ref: nodeImage(version) });
  }

  /**
   * Starts from the official Debian image, `debian:<variant>` (default bookworm). Without a registry, use
   * `Template.fromTemplate('kiln/debian:bookworm')`, Kiln's builtin Debian base.
   * @example
   * const t = Template.fromDebianImage().aptInstall(['curl', 'ca-certificates']);
   */
  static fromDebianImage(variant?: string): TemplateBuilder {
    return start({ kind: 'image', ref: debianImage(variant) });
  }

  /**
   * Starts from a Dockerfile, given as its text or as the path of a file; it takes no further steps
   * (they belong in the Dockerfile) but may set a start command. Built by the buildkit backend.
   * @example
   * const t = Template.fromDockerfile('./Dockerfile', { buildArgs: { PY: '3.12' } }).setStartCmd('python app.py', waitForPort(8000));
   */
  static fromDockerfile(contentOrPath: string, opts: { buildArgs?: Record<string, string>; target?: string } = {}): DockerfileTemplate {
    const content = isDockerfilePath(contentOrPath) ? readFileSync(contentOrPath, 'utf8') : contentOrPath;
    const source: TemplateSource = { kind: 'dockerfile', content };
    if (opts.buildArgs) source.buildArgs = { ...opts.buildArgs };
    if (opts.target !== undefined) source.target = opts.target;
    return start(source);
  }

  /**
   * Starts from a template: one of yours (`name`, `name:tag`, `tmpl_…`), a public one, or a builtin (`kiln/busybox`, `kiln/debian:bookworm`).
   * @example
   * const t = Template.fromTemplate('kiln/debian:bookworm').aptInstall('python3');
   */
  static fromTemplate(ref: string): TemplateBuilder {
    return start({ kind: 'template', ref });
  }

  /**
   * Builds a template and waits until it is ready, streaming log entries to `onLog`; uploads the
   * context first when the template copies files (only the contents the server lacks). Throws
   * BuildError (BuildCancelledError when cancelled) when the build does not end ready.
   * @example
   * const info = await Template.build(Template.fromPythonImage().pipInstall('requests'), 'py-requests', {
   *   tags: ['v1'], onLog: (e) => console.log(e.message),
   * });
   * console.log(info.build_id, info.tags);
   */
  static build(template: TemplateFinal, name: string, opts: BuildOptions = {}): Promise<BuildInfo> {
    return buildAndWait(stateOf(template), name, opts);
  }

  /**
   * Starts a build and returns its handle at once; reconnect later with `TemplateBuild.connect(build.buildId)`.
   * @example
   * const build = await Template.buildInBackground(Template.fromNodeImage().npmInstall('tsx'), 'node-tsx');
   * const info = await build.waitUntilTerminal();
   */
  static buildInBackground(template: TemplateFinal, name: string, opts: RequestOptions = {}): Promise<TemplateBuild> {
    return startBuild(stateOf(template), name, opts);
  }

  /**
   * What a build would send, found without the network: the context's files (path, size, mode,
   * sha256), what `.dockerignore` leaves out, warnings, unsupported entries (sockets, FIFOs, …) and
   * the request payload.
   * @example
   * const r = await Template.inspectBuildContext(Template.fromPythonImage().copy('app/', '/app/'), { contextPath: './service' });
   * console.log(r.files.length, r.ignored, r.warnings, r.unsupported, r.payload);
   */
  static inspectBuildContext(template: TemplateFinal, opts: InspectOptions = {}): Promise<BuildContextInspection> {
    return inspectContext(stateOf(template), opts);
  }

  /**
   * A page of a template's build history, newest first, failed and untagged attempts included.
   * @example
   * const page = await Template.listBuilds('py-requests', { status: 'error', limit: 10 });
   * for (const b of page.builds) console.log(b.build_id, b.error_detail?.code);
   */
  static listBuilds(ref: string, opts: ListBuildsOptions = {}): Promise<BuildPage> {
    return listBuildPage(ref, opts);
  }

  /**
   * Every problem of the build request, at once, without building (`valid`, `errors`, `warnings`).
   * @example
   * const v = await Template.validate(Template.fromPythonImage().aptInstall('-oops'));
   * if (!v.valid) console.log(v.errors.map((e) => `${e.field}: ${e.message}`));
   */
  static validate(template: TemplateFinal, opts: RequestOptions & { name?: string } = {}): Promise<ValidationResult> {
    return validateRequest(stateOf(template), opts.name, opts);
  }

  /**
   * The normalised build plan (steps, generated Dockerfile, start command, readiness, digests) without building.
   * @example
   * const p = await Template.plan(Template.fromDebianImage().aptInstall('curl'));
   * console.log(p.generated_dockerfile, p.build_plan.build_steps.length);
   */
  static plan(template: TemplateFinal, opts: RequestOptions & { name?: string } = {}): Promise<PlanResult> {
    return planRequest(stateOf(template), opts.name, opts);
  }

  /**
   * A template by ref (`name`, `name:tag`, `tmpl_…`, `namespace/name:tag`), optionally only some `fields`.
   * @example
   * const t = await Template.get('py-requests', { fields: ['id', 'tags', 'default_tag'] });
   */
  static get(ref: string, opts: ConnectionOptions & { fields?: (keyof TemplateInfo)[] } = {}): Promise<TemplateInfo> {
    return refs.getTemplate(ref, opts);
  }

  /**
   * A page of your templates.
   * @example
   * const { templates, next_cursor } = await Template.list({ limit: 50 });
   */
  static list(opts: ConnectionOptions & refs.ListTemplatesOptions = {}): Promise<refs.TemplatePage> {
    return refs.listTemplates(opts);
  }

  /**
   * Points tags at one ready build of the template, atomically: the build the ref names (`name:tag`,
   * `name:tb_…`), or `buildId`, by default the default tag's build or the newest ready one.
   * @example
   * const { build_id } = await Template.assignTags('py-requests:v1', ['stable', 'prod']);
   */
  static assignTags(ref: string, tags: string[], opts: ConnectionOptions & { buildId?: string } = {}): Promise<refs.AssignedTags> {
    return refs.assignTags(ref, tags, opts);
  }

  /**
   * Removes one tag of a template (its build stays, reachable by id); returns the template after it.
   * @example
   * const t = await Template.removeTag('py-requests', 'stable');
   */
  static removeTag(ref: string, tag: string, opts: ConnectionOptions = {}): Promise<TemplateInfo> {
    return refs.removeTag(ref, tag, opts);
  }

  /**
   * The aliases of a template (other names that resolve to it, such as its names before a rename).
   * @example
   * const names = (await Template.listAliases('py-requests')).map((a) => a.alias);
   */
  static listAliases(ref: string, opts: ConnectionOptions = {}): Promise<refs.TemplateAlias[]> {
    return refs.listAliases(ref, opts);
  }

  /**
   * Removes an alias of a template (the name is free again); returns the aliases left.
   * @example
   * await Template.removeAlias('py-requests', 'old-name');
   */
  static removeAlias(ref: string, alias: string, opts: ConnectionOptions = {}): Promise<refs.TemplateAlias[]> {
    return refs.removeAlias(ref, alias, opts);
  }

  /**
   * Reserves a template name; a build (or rename) that takes it must pass the returned `claim_token`.
   * @example
   * const { claim_token } = await Template.reserveName('team-app');
   * await Template.build(t, 'team-app', { claimToken: claim_token });
   */
  static reserveName(name: string, opts: ConnectionOptions & { ttlSeconds?: number } = {}): Promise<refs.NameReservation> {
    return refs.reserveName(name, opts);
  }

  /**
   * Renames a template; its old name stays an alias unless `keepAlias` is false.
   * @example
   * await Template.rename('py-requests', 'python-requests');
   */
  static rename(ref: string, newName: string, opts: ConnectionOptions & { claimToken?: string; keepAlias?: boolean } = {}): Promise<TemplateInfo> {
    return refs.renameTemplate(ref, newName, opts);
  }

  /**
   * Makes a template `public` (other tenants may read it and build on it, never change it) or `private`.
   * @example
   * await Template.setVisibility('python-requests', 'public');
   */
  static setVisibility(ref: string, visibility: Visibility, opts: ConnectionOptions = {}): Promise<TemplateInfo> {
    return refs.setVisibility(ref, visibility, opts);
  }

  /**
   * Deletes a template with its tags and aliases; refused (ConflictError `template_in_use`, naming what) while something depends on it.
   * @example
   * await Template.delete('python-requests');
   */
  static delete(ref: string, opts: ConnectionOptions = {}): Promise<refs.DeletedTemplate> {
    return refs.deleteTemplate(ref, opts);
  }
}
