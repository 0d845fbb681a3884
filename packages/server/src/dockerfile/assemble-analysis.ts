/**
 * Turns evaluated stages into the DockerfileAnalysis for one target: the stages it needs,
 * their steps in file order, and the target's runtime defaults and OCI metadata.
 */
import type { BuildStep, DockerfileAnalysis } from '../domain/plan-types.ts';
import type { Problem } from '../errors/errors.ts';
import { renderArgv } from './render-argv.ts';
import type { StageResult } from './stage-types.ts';

/** Returns the indexes of the stages a target needs (its FROM chain, COPY --from and mount sources), ascending. */
export function neededStages(stages: StageResult[], target: number): number[] {
  const seen = new Uint8Array(stages.length);
  const stack = [target];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (seen[i] === 1) continue;
    seen[i] = 1;
    const stage = stages[i];
    if (stage.base.kind === 'stage') stack.push(stage.base.index);
    for (const dep of stage.deps) stack.push(dep);
  }
  const out: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i] === 1) out.push(i);
  return out;
}

/** The ultimate base of a stage's FROM chain: an image ref, a template ref, `scratch`, or '' when invalid. */
export function baseTemplateOf(stages: StageResult[], index: number): string {
  let stage = stages[index];
  for (let hops = 0; hops <= stages.length; hops++) {
    const base = stage.base;
    if (base.kind === 'stage') stage = stages[base.index];
    else if (base.kind === 'image' || base.kind === 'template') return base.ref;
    else return base.kind === 'scratch' ? 'scratch' : '';
  }
  return '';
}

/** An analysis with nothing in it but the given findings. */
export function emptyAnalysis(errors: Problem[], warnings: string[] = []): DockerfileAnalysis {
  return {
    plan: {
      base_template: '', run_steps: [], build_steps: [], build_envs: {}, env_assignments: [], ignored_instructions: [],
      start_cmd: null, default_user: null, default_workdir: null, readiness: null, ignored_instruction_warnings: [],
    },
    oci_metadata: { labels: {}, exposed_ports: [], volumes: [], healthcheck: null },
    external_images: [], variable_from: false, stages: [], target_stage: '', context_references: [], secret_ids: [],
    warnings, errors,
  };
}

/** Builds the analysis of one target from every evaluated stage. */
export function assembleAnalysis(stages: StageResult[], target: number, warnings: string[], errors: Problem[]): DockerfileAnalysis {
  const out = emptyAnalysis(errors);
  const needed = neededStages(stages, target);
  const plan = out.plan;
  const images = new Set<string>();
  const secrets = new Set<string>();
  for (const i of needed) {
    const stage = stages[i];
    for (const step of stage.steps) plan.build_steps.push({ index: plan.build_steps.length + 1, ...step } as BuildStep);
    for (const run of stage.runSteps) plan.run_steps.push(run);
    for (const ignored of stage.ignored) {
      plan.ignored_instructions.push(ignored.instruction);
      plan.ignored_instruction_warnings.push(ignored);
    }
    for (const image of stage.externalImages) images.add(image);
    for (const id of stage.secretIds) secrets.add(id);
    for (const ref of stage.contextReferences) out.context_references.push(ref);
    for (const warning of stage.warnings) out.warnings.push(warning);
    if (stage.fromUsedVariable) out.variable_from = true;
  }
  for (const warning of warnings) out.warnings.push(warning);
  const t = stages[target];
  const rt = t.runtime;
  plan.base_template = baseTemplateOf(stages, target);
  plan.env_assignments = [...rt.env];
  const argv = [...(rt.entrypoint ?? []), ...(rt.cmd ?? [])];
  plan.start_cmd = argv.length === 0 ? null : renderArgv(argv);
  plan.default_user = rt.user;
  plan.default_workdir = rt.workdir;
  plan.readiness = rt.readiness;
  out.oci_metadata = {
    labels: Object.fromEntries(rt.labels), exposed_ports: [...rt.exposedPorts], volumes: [...rt.volumes], healthcheck: rt.healthcheck,
  };
  out.external_images = [...images];
  out.secret_ids = [...secrets];
  out.stages = stages.map((s) => s.label);
  out.target_stage = t.label;
  return out;
}
