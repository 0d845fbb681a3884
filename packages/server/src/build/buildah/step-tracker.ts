/**
 * Reads buildah's progress lines (`[2/3] STEP 4/7: RUN make`, `--> Using cache <id>`) and
 * says which step of the build plan runs: buildah numbers steps per stage and counts every
 * instruction, the plan numbers only the instructions it executes, across the built stages.
 */
import type { BuildStep } from '../../domain/plan-types.ts';

/** Where the build is, as log entries report it. */
export interface StepPosition {
  /** 1-based index into the plan's `build_steps`. */
  step_index: number;
  total_steps: number;
}

/** One buildah step that has started. */
export interface StartedStep extends StepPosition {
  /** The instruction keyword, upper case (`RUN`, `COPY`, …). */
  instruction: string;
  /** The instruction as buildah prints it. */
  text: string;
}

const STEP_RE = /^(?:\[(\d+)\/(\d+)\] )?STEP (\d+)\/(\d+): (.*)$/;
const CACHE_RE = /^--> Using cache [0-9a-f]{12,64}\b/;

/** What a line tells about progress. */
export type ProgressLine =
  | { kind: 'step'; step: StartedStep }
  | { kind: 'cache_hit' }
  | { kind: 'output' };

/** Follows buildah's output and maps its steps onto the plan. */
export class StepTracker {
  private readonly stages: (number | null)[][];
  private readonly byLine = new Map<number, number>();
  private readonly total: number;
  /** The step running now, if one has started. */
  current: StartedStep | undefined;

  /** `stages` is the rewritten Dockerfile's table of original lines; `plan` the build plan's steps. */
  constructor(stages: (number | null)[][], plan: BuildStep[]) {
    this.stages = stages;
    for (const s of plan) this.byLine.set(s.line, s.index);
    this.total = plan.length;
  }

  /** Reads one output line. */
  read(line: string): ProgressLine {
    const m = STEP_RE.exec(line);
    if (m) {
      const stage = m[1] ? Number(m[1]) : 1;
      const n = Number(m[3]);
      const text = m[5];
      const instruction = (text.split(/\s/, 1)[0] ?? '').toUpperCase();
      this.current = { ...this.position(stage, n, Number(m[4])), instruction, text };
      return { kind: 'step', step: this.current };
    }
    if (CACHE_RE.test(line)) return { kind: 'cache_hit' };
    return { kind: 'output' };
  }

  /** The plan position of buildah's step `n` of stage `stage` (both 1-based). */
  private position(stage: number, n: number, stageTotal: number): StepPosition {
    const lines = this.stages[stage - 1];
    if (lines && this.total > 0) {
      for (let i = Math.min(n, lines.length) - 1; i >= 0; i--) {
        const index = lines[i] === null ? undefined : this.byLine.get(lines[i]!);
        if (index !== undefined) return { step_index: index, total_steps: this.total };
      }
      if (this.current) return { step_index: this.current.step_index, total_steps: this.total };
    }
    return { step_index: n, total_steps: Math.max(stageTotal, n) };
  }
}

/** The exit code in buildah's message about a failed RUN (`… while running runtime: exit status 3`). */
export function runExitCode(lines: string[]): number | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /while running runtime: exit status (\d+)/.exec(lines[i]);
    if (m) return Number(m[1]);
  }
  return undefined;
}
