/**
 * Evaluates a template build request: checks every field, decides the source and backend,
 * plans the Dockerfile (inline, from the context, or generated from steps), checks the
 * context and credentials, and computes the digests. Validate, plan and build start all
 * go through here, so they agree. Nothing throws for bad input: problems are collected.
 */
import { problem, type Problem } from '../../errors/errors.ts';
import { stepsToDockerfile } from '../../dockerfile/steps-to-dockerfile.ts';
import { findMissingSources } from '../../context/match-sources.ts';
import type { Store, BuildBackend, SourceType } from '../../store/store.ts';
import type { BuildPlan, DockerfileAnalysis, OciMetadata } from '../plan-types.ts';
import { checkFields, type CheckedFields } from '../request/check-fields.ts';
import { withReadinessDefaults } from '../request/check-readiness.ts';
import { canonicalJson, sha256Digest } from '../digest.ts';
import { decideSource, sourceTypeOf } from './source-rules.ts';
import { findTemplateRefs } from './template-refs.ts';
import { analyzeCached } from './analysis-cache.ts';
import { BUILTIN_PREFIX } from '../builtin-tenant.ts';
import { checkAuth } from './auth-rules.ts';
import { digestInput, sanitizeDefinition } from './sanitize-definition.ts';
import type { ContextResolver, ResolvedContext } from './context-resolver.ts';

/** Everything a valid request resolves to. */
export interface PlanOutcome {
  fields: CheckedFields;
  build_backend: BuildBackend;
  source_type: SourceType;
  plan: BuildPlan;
  oci_metadata: OciMetadata;
  requires_base_image_auth: boolean;
  source_digest: string;
  dockerfile_digest: string | null;
  context: ResolvedContext | undefined;
  /** The Dockerfile generated from declarative steps, when the source was steps. */
  generated_dockerfile: string | null;
  /** The sanitised definition to persist. */
  definition: Record<string, unknown>;
}

/** Problems and warnings of a request, and its outcome when there are no problems. */
export interface Evaluation {
  problems: Problem[];
  warnings: string[];
  outcome?: PlanOutcome;
}

/** What evaluation reads. */
export interface EvaluateDeps {
  store: Store;
  contexts: ContextResolver;
}

const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/** Evaluates a request body for a tenant; `persistContext` stores inline context files (build start only). */
export async function evaluateRequest(body: unknown, tenantId: string, deps: EvaluateDeps, opts: { persistContext: boolean }): Promise<Evaluation> {
  const fc = checkFields(body);
  if (!fc.fields) return { problems: fc.problems, warnings: fc.warnings };
  const { req } = fc.fields;
  const problems = [...fc.problems];
  const warnings = [...fc.warnings];
  const fieldBad = (name: string) => problems.some((p) => p.field === name || p.field?.startsWith(`${name}.`) || p.field?.startsWith(`${name}[`));

  const source = decideSource(req);
  problems.push(...source.problems);

  // Declarative steps become a Dockerfile.
  let text: string | undefined;
  let generated: ReturnType<typeof stepsToDockerfile> | undefined;
  if (source.kind === 'steps' && typeof req.base_image === 'string' && !fieldBad('base_image')) {
    generated = stepsToDockerfile(req.base_image, req.steps);
    problems.push(...generated.problems);
    warnings.push(...generated.warnings);
    if (generated.problems.length === 0) text = generated.dockerfile;
  }

  // The build context: named by the request, or by the second platform's COPY filesHash.
  let context: ResolvedContext | undefined;
  const filesHashes = new Set(generated?.files_hashes.map((f) => f.files_hash));
  if (req.build_context && !fieldBad('build_context')) {
    const resolved = await deps.contexts.resolve(tenantId, req.build_context, { persist: opts.persistContext });
    problems.push(...resolved.problems);
    context = resolved.context;
  } else if (filesHashes.size > 1) {
    problems.push(problem('invalid_step', 'COPY steps name different filesHash values; upload one context holding every file and use its digest in each.', 'request', { field: 'steps' }));
  } else if (filesHashes.size === 1) {
    const resolved = await deps.contexts.resolveByDigest(tenantId, [...filesHashes][0]);
    problems.push(...resolved.problems);
    context = resolved.context;
  }

  // A Dockerfile given inline or read from the context.
  if (source.kind === 'dockerfile') {
    if (typeof req.dockerfile === 'string') {
      text = req.dockerfile;
      if (req.dockerfile_path) warnings.push('Both dockerfile and dockerfile_path were given; the inline dockerfile is used.');
    } else if (!context) {
      if (!fieldBad('build_context')) problems.push(problem('context_not_found', 'dockerfile_path needs a build_context holding the Dockerfile.', 'context', { field: 'dockerfile_path' }));
    } else {
      text = await deps.contexts.readText(context, req.dockerfile_path!, MAX_DOCKERFILE_BYTES);
      if (text === undefined) {
        problems.push(problem('context_source_missing', `dockerfile_path ${JSON.stringify(req.dockerfile_path)} is not a file of the build context (or is larger than 1 MiB).`, 'context', { field: 'dockerfile_path' }));
      }
    }
  }

  // Plan the Dockerfile, or the bare image.
  let analysis: DockerfileAnalysis | undefined;
  let templateRefs = new Set<string>();
  if (text !== undefined && !fieldBad('dockerfile')) {
    const analyze = (refs: Set<string>) => analyzeCached(text!, { buildArgs: req.build_args, buildTarget: req.build_target, templateRefs: refs });
    analysis = analyze(templateRefs);
    templateRefs = await findTemplateRefs(deps.store, tenantId, analysis.external_images);
    if (templateRefs.size > 0) analysis = analyze(templateRefs);
    problems.push(...(generated ? analysis.errors.map((p) => toStepProblem(p, generated!.step_lines)) : analysis.errors));
    warnings.push(...analysis.warnings);
  } else if (source.kind === 'image' && typeof req.base_image === 'string' && !fieldBad('base_image')) {
    templateRefs = await findTemplateRefs(deps.store, tenantId, [req.base_image]);
  }
  for (const ref of templateRefs) {
    if (!ref.startsWith('tmpl_') && !ref.startsWith(BUILTIN_PREFIX)) warnings.push(`${ref} refers to ${ref.includes('/') ? 'the' : 'your'} template ${JSON.stringify(ref.split(':')[0])}, not to a registry image; write the full registry name (e.g. docker.io/${ref.includes('/') ? '' : 'library/'}${ref}) to pull the image instead.`);
  }

  // Context references and secrets.
  if (analysis && analysis.errors.length === 0) {
    if (context) problems.push(...findMissingSources(context.files, analysis.context_references));
    else if (!fieldBad('build_context')) {
      for (const ref of analysis.context_references) {
        problems.push(problem('context_source_missing', `${ref.instruction} source ${JSON.stringify(ref.source)} (line ${ref.line}) needs a build context: upload one with POST /v1/templates/contexts and pass build_context.`, 'context', { line: ref.line }));
      }
    }
    const given = new Set((req.build_secrets ?? []).map((s) => s.id));
    for (const id of analysis.secret_ids) if (!given.has(id)) warnings.push(`RUN --mount=type=secret,id=${id} is used but build_secrets does not provide ${JSON.stringify(id)}.`);
    for (const id of given) if (!analysis.secret_ids.includes(id)) warnings.push(`build_secrets provides ${JSON.stringify(id)}, which no RUN --mount=type=secret uses.`);
  }

  const baseIsTemplate = analysis ? templateRefs.has(analysis.plan.base_template) : templateRefs.size > 0;
  const images = analysis ? analysis.external_images.filter((r) => !templateRefs.has(r)) : baseIsTemplate || !req.base_image ? [] : [req.base_image];
  problems.push(...checkAuth(req, {
    images,
    base_is_template: baseIsTemplate,
    variable_from: analysis?.variable_from ?? false,
    alias_stage_base: analysis ? startsFromStage(analysis) : false,
    is_dockerfile: source.kind === 'dockerfile',
  }));

  if (problems.length > 0 || !source.kind) return { problems, warnings, outcome: undefined };

  const plan = applyRuntimeOverrides(analysis ? analysis.plan : imagePlan(req.base_image!), fc.fields);
  if (!analysis) warnings.push('The image\'s own runtime defaults (Env, User, WorkingDir, Cmd) are read when it is imported.');
  const definition = sanitizeDefinition(fc.fields, context);
  return {
    problems,
    warnings,
    outcome: {
      fields: fc.fields,
      build_backend: source.backend,
      source_type: sourceTypeOf(source.kind, baseIsTemplate),
      plan,
      oci_metadata: analysis?.oci_metadata ?? { labels: {}, exposed_ports: [], volumes: [], healthcheck: null },
      requires_base_image_auth: req.base_image_auth !== undefined || (req.registry_auth?.length ?? 0) > 0,
      source_digest: sha256Digest(canonicalJson(digestInput(definition, context))),
      dockerfile_digest: text !== undefined ? sha256Digest(text) : null,
      context,
      generated_dockerfile: generated ? generated.dockerfile : null,
      definition,
    },
  };
}

/** The plan of a build from an image (or template) alone. */
function imagePlan(base: string): BuildPlan {
  return {
    base_template: base, run_steps: [], build_steps: [], build_envs: {}, env_assignments: [],
    ignored_instructions: [], start_cmd: null, default_user: null, default_workdir: null,
    readiness: null, ignored_instruction_warnings: [],
  };
}

/** Applies start_cmd, build_envs and runtime_config over what the source set. */
function applyRuntimeOverrides(plan: BuildPlan, fields: CheckedFields): BuildPlan {
  const { req } = fields;
  const rc = req.runtime_config ?? {};
  return {
    ...plan,
    build_envs: { ...(req.build_envs ?? {}) },
    env_assignments: [...plan.env_assignments, ...Object.entries(rc.envs ?? {})],
    start_cmd: req.start_cmd ?? plan.start_cmd,
    default_user: rc.user ?? plan.default_user,
    default_workdir: rc.workdir ?? plan.default_workdir,
    readiness: rc.readiness ? withReadinessDefaults(rc.readiness) : plan.readiness,
  };
}

/** Whether the target stage's FROM names an earlier stage rather than an image. */
function startsFromStage(a: DockerfileAnalysis): boolean {
  const from = a.plan.build_steps.find((s) => s.instruction === 'FROM' && s.stage === a.target_stage);
  const image = from?.args[0];
  return image !== undefined && a.stages.some((s) => s.toLowerCase() === image.toLowerCase());
}

/** A problem on a generated Dockerfile line, reattributed to the step that produced it. */
function toStepProblem(p: Problem, stepLines: number[][]): Problem {
  const i = p.line === undefined ? -1 : stepLines.findIndex((lines) => lines.includes(p.line!));
  if (i < 0) return { ...p, line: undefined };
  return { ...p, message: `steps[${i}]: ${p.message}`, field: `steps[${i}]`, line: undefined };
}
