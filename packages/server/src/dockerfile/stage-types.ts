/**
 * The intermediate shapes of the Dockerfile front end: what evaluating one stage yields,
 * and the runtime defaults a stage carries (and hands to the stages built on it).
 */
import type { BuildStep, ContextReference, Healthcheck, IgnoredInstructionWarning, Readiness } from '../domain/plan-types.ts';
import type { Problem } from '../errors/errors.ts';
import type { VariableLookup } from './expand-variables.ts';

/** What a stage is built on. */
export type StageBase =
  | { kind: 'stage'; index: number }
  | { kind: 'image'; ref: string }
  | { kind: 'template'; ref: string }
  | { kind: 'scratch' }
  | { kind: 'invalid' };

/** Image configuration a stage has after its instructions, inherited by stages built on it. */
export interface RuntimeState {
  /** ENV assignments in image order (a key set again keeps its first position). */
  env: Map<string, string>;
  user: string | null;
  workdir: string | null;
  entrypoint: string[] | null;
  cmd: string[] | null;
  healthcheck: Healthcheck | null;
  readiness: Readiness | null;
  labels: Map<string, string>;
  /** Exposed ports in order. */
  exposedPorts: Set<string>;
  /** Volumes in order. */
  volumes: Set<string>;
}

/** A build step before it is numbered. */
export type DraftStep = Omit<BuildStep, 'index'>;

/** Everything evaluating one stage yields. */
export interface StageResult {
  index: number;
  /** The `AS` name in lower case, or null. */
  name: string | null;
  /** The name, or the index as a string. */
  label: string;
  /** 1-based line of the stage's FROM. */
  line: number;
  base: StageBase;
  /** Whether the FROM image used a variable. */
  fromUsedVariable: boolean;
  /** Earlier stages this one reads from (COPY --from, RUN --mount from=). */
  deps: Set<number>;
  /** External images this stage uses: its base (when external) and COPY --from / mount images. */
  externalImages: Set<string>;
  steps: DraftStep[];
  runSteps: string[];
  contextReferences: ContextReference[];
  secretIds: Set<string>;
  ignored: IgnoredInstructionWarning[];
  warnings: string[];
  runtime: RuntimeState;
}

/** What an instruction handler works with inside one stage. */
export interface StageContext {
  escape: string;
  stage: StageResult;
  /** Variables visible at this point: ENV first, then the stage's ARGs. */
  lookup: VariableLookup;
  /** Declares an ARG in the stage. */
  declareArg(name: string, value: string | undefined): void;
  /** Resolves a COPY --from / mount from= reference; records the dependency or image. */
  resolveFrom(ref: string, line: number, what: string): void;
  /** Whether CMD was set in this stage (ENTRYPOINT keeps it then). */
  cmdSet: boolean;
  errors: Problem[];
}

/** Returns a fresh, empty runtime state. */
export function emptyRuntime(): RuntimeState {
  return {
    env: new Map(), user: null, workdir: null, entrypoint: null, cmd: null,
    healthcheck: null, readiness: null, labels: new Map(), exposedPorts: new Set(), volumes: new Set(),
  };
}

/** Copies a runtime state so a child stage can change it without touching its parent. */
export function cloneRuntime(state: RuntimeState): RuntimeState {
  return {
    ...state,
    env: new Map(state.env),
    labels: new Map(state.labels),
    exposedPorts: new Set(state.exposedPorts),
    volumes: new Set(state.volumes),
  };
}
