/**
 * The shapes of a build plan: what `POST /v1/templates/plan` returns inside `build_plan`,
 * and what the Dockerfile front end hands to the domain. Field names follow the API.
 */
import type { Problem } from '../errors/errors.ts';

/** Kinds of readiness check a template can declare. */
export type ReadinessKind = 'tcp' | 'http' | 'file' | 'process' | 'command' | 'timeout';

/** How a build decides the started template is ready. */
export interface Readiness {
  kind: ReadinessKind;
  /** tcp: the port to connect to. http: the port of `url`. */
  port?: number;
  /** http: the URL to GET (http only, on a local host). */
  url?: string;
  /** file: the path that must exist. */
  path?: string;
  /** process: the process name that must be running. */
  process?: string;
  /** command: the shell command that must exit 0. */
  command?: string;
  timeout_secs: number;
  interval_ms: number;
  startup_grace_secs: number;
}

/** Dockerfile instructions that become build steps (executed by a backend). */
export type StepInstruction = 'FROM' | 'RUN' | 'COPY' | 'ADD' | 'ENV' | 'ARG' | 'WORKDIR' | 'USER' | 'LABEL';

/** One executed instruction of the plan, in execution order. */
export interface BuildStep {
  /** 1-based position in `build_steps`. */
  index: number;
  instruction: StepInstruction;
  /** 1-based line of the instruction in the original Dockerfile (the generated one for declarative steps). */
  line: number;
  /** Stage the instruction belongs to: its `AS` name, or its 0-based index as a string. */
  stage: string;
  /** The instruction's arguments after variable expansion, as the backend will see them. */
  args: string[];
  /** RUN: whether the command was given in exec (JSON) form. */
  exec_form?: boolean;
  /** COPY/ADD: the stage or image given with `--from`. */
  from?: string;
  /** Flags given on the instruction, for example `{"chown": "app:app", "mount": "type=secret,id=x"}`. */
  flags?: Record<string, string>;
  /** For declarative builds: the 1-based index of the source step this instruction came from. */
  source_step?: number;
}

/** One Dockerfile instruction Kiln parses but does not execute. */
export interface IgnoredInstructionWarning {
  instruction: string;
  /** 1-based line in the original file. */
  line: number;
}

/** Docker HEALTHCHECK, as kept in `oci_metadata`. */
export interface Healthcheck {
  test: string[];
  interval_ns: number;
  timeout_ns: number;
  start_period_ns: number;
  retries: number;
  /** Whether the healthcheck was turned into the plan's readiness. */
  mapped_readiness: boolean;
}

/** OCI image metadata carried from a Dockerfile or an imported image. */
export interface OciMetadata {
  labels: Record<string, string>;
  exposed_ports: string[];
  volumes: string[];
  healthcheck: Healthcheck | null;
}

/** The normalised, backend-neutral plan (`build_plan` in the API). */
export interface BuildPlan {
  base_template: string;
  run_steps: string[];
  build_steps: BuildStep[];
  build_envs: Record<string, string>;
  env_assignments: [string, string][];
  ignored_instructions: string[];
  start_cmd: string | null;
  default_user: string | null;
  default_workdir: string | null;
  readiness: Readiness | null;
  ignored_instruction_warnings: IgnoredInstructionWarning[];
}

/** A COPY/ADD source that must be found in the build context. */
export interface ContextReference {
  /** 1-based Dockerfile line. */
  line: number;
  instruction: 'COPY' | 'ADD';
  /** Source path or glob, relative to the context root, as written after expansion. */
  source: string;
}

/** Everything the Dockerfile front end learns from one file. */
export interface DockerfileAnalysis {
  plan: BuildPlan;
  oci_metadata: OciMetadata;
  /** External images named by FROM (and COPY --from) that the target needs, after expansion, in order. */
  external_images: string[];
  /** Whether any needed FROM uses a variable (auth cannot be applied then). */
  variable_from: boolean;
  /** Stage names defined in the file, in order (unnamed stages appear as their index). */
  stages: string[];
  /** The stage that is built: `build_target` or the last one. */
  target_stage: string;
  /** COPY/ADD sources read from the build context by the needed stages. */
  context_references: ContextReference[];
  /** `RUN --mount=type=secret,id=…` ids used by the needed stages. */
  secret_ids: string[];
  /** Non-fatal findings, as plain sentences. */
  warnings: string[];
  /** Fatal findings; when non-empty the plan must not be built. */
  errors: Problem[];
}
