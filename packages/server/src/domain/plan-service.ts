/** Validate and plan: the two read-only views of a build request. */
import { KilnError, type Problem } from '../errors/errors.ts';
import type { BuildBackend, SourceType } from '../store/store.ts';
import type { BuildPlan, OciMetadata } from './plan-types.ts';
import { evaluateRequest, type EvaluateDeps, type PlanOutcome } from './plan/evaluate-request.ts';

/** `POST /v1/templates/validate` response. */
export interface ValidateResponse {
  valid: boolean;
  errors: Problem[];
  warnings: string[];
}

/** `POST /v1/templates/plan` response. */
export interface PlanResponse {
  build_backend: BuildBackend;
  source_type: SourceType;
  build_plan: BuildPlan;
  warnings: string[];
  requires_base_image_auth: boolean;
  source_digest: string;
  context_manifest: { context_manifest_id: string | null; context_digest: string; file_count: number } | null;
  dockerfile_digest: string | null;
  /** The Dockerfile Kiln generated from declarative steps (null for other sources). */
  generated_dockerfile: string | null;
  /** Image metadata the Dockerfile declares (labels, ports, volumes, healthcheck). */
  oci_metadata: OciMetadata;
}

/** Throws the problems of an evaluation as one 400 error listing them all. */
export function throwProblems(problems: Problem[]): never {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}; see errors)` : '';
  throw new KilnError(first.code, `${first.message}${more}`, { phase: first.phase, problems, status: 400 });
}

/** Renders an outcome as the plan response. */
export function planResponse(o: PlanOutcome, warnings: string[]): PlanResponse {
  return {
    build_backend: o.build_backend,
    source_type: o.source_type,
    build_plan: o.plan,
    warnings,
    requires_base_image_auth: o.requires_base_image_auth,
    source_digest: o.source_digest,
    context_manifest: o.context
      ? { context_manifest_id: o.context.manifest_id, context_digest: o.context.digest, file_count: o.context.file_count }
      : null,
    dockerfile_digest: o.dockerfile_digest,
    generated_dockerfile: o.generated_dockerfile,
    oci_metadata: o.oci_metadata,
  };
}

/** Validates and plans build requests without starting a build; never contacts a registry. */
export class PlanService {
  private readonly deps: EvaluateDeps;

  constructor(deps: EvaluateDeps) {
    this.deps = deps;
  }

  /** All problems of a request at once; never throws for bad input. */
  async validate(tenantId: string, body: unknown): Promise<ValidateResponse> {
    const ev = await evaluateRequest(body, tenantId, this.deps, { persistContext: false });
    return { valid: ev.problems.length === 0, errors: ev.problems, warnings: ev.warnings };
  }

  /** The normalised plan; throws a 400 KilnError listing every problem when the request is invalid. */
  async plan(tenantId: string, body: unknown): Promise<PlanResponse> {
    const ev = await evaluateRequest(body, tenantId, this.deps, { persistContext: false });
    if (!ev.outcome) throwProblems(ev.problems);
    return planResponse(ev.outcome, ev.warnings);
  }
}
