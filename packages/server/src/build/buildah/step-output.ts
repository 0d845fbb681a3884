/**
 * buildah's output as build log entries: one `step` entry per line (secrets masked), with the
 * plan's `step_index` and `total_steps`, and a layer cache decision for every RUN, COPY and ADD
 * (`hit` when buildah reuses its cached layer, else `miss` then `stored`; `bypass` with
 * `skip_cache`). Entries are written in the order the lines arrived.
 */
import type { BuildStep } from '../../domain/plan-types.ts';
import type { ExecutionContext } from '../build-executor.ts';
import { StepTracker, type StartedStep } from './step-tracker.ts';

/** Progress noise of image copies and commits, logged at debug level. */
const NOISE_RE = /^(?:Getting image source signatures|Copying (?:blob|config) |Writing manifest to image destination|Storing signatures|--> [0-9a-f]{6,64}$)/;
const FILESYSTEM_STEPS = new Set(['RUN', 'COPY', 'ADD']);

/** Writes a running build's output into its log. */
export class StepOutput {
  private readonly ctx: Pick<ExecutionContext, 'log' | 'cache'>;
  private readonly tracker: StepTracker;
  private readonly layers: boolean;
  private readonly present: (line: string) => string;
  private queue: Promise<unknown> = Promise.resolve();
  private open: { subject: string; hit: boolean } | undefined;

  /** `present` turns a raw line into what may be logged (secrets masked, Kiln's image paths shown as the refs the user wrote). */
  constructor(ctx: Pick<ExecutionContext, 'log' | 'cache'>, stages: (number | null)[][], plan: BuildStep[], opts: { layers: boolean; present: (line: string) => string }) {
    this.ctx = ctx;
    this.tracker = new StepTracker(stages, plan);
    this.layers = opts.layers;
    this.present = opts.present;
  }

  /** The step running now (or last), if any has started. */
  get step(): StartedStep | undefined {
    return this.tracker.current;
  }

  /** Takes one output line. */
  line(raw: string): void {
    const text = this.present(raw);
    const progress = this.tracker.read(text);
    if (progress.kind === 'step') this.startStep(progress.step);
    const s = this.tracker.current;
    const where = s ? { phase: 'step' as const, step_index: s.step_index, total_steps: s.total_steps } : { phase: 'step' as const };
    this.enqueue(() => this.ctx.log.write('message', NOISE_RE.test(text) ? 'debug' : 'info', text, where));
    if (progress.kind === 'cache_hit' && this.open && !this.open.hit) {
      this.open.hit = true;
      const subject = this.open.subject;
      this.enqueue(() => this.ctx.cache.record('layer', 'hit', subject, { phase: 'step' }));
    }
  }

  /** Closes the last step (when the build succeeded) and waits until every entry is written. */
  async finish(succeeded: boolean): Promise<void> {
    if (succeeded) this.closeStep();
    await this.queue;
  }

  private startStep(step: StartedStep): void {
    this.closeStep();
    if (!FILESYSTEM_STEPS.has(step.instruction)) return;
    const subject = `step ${step.step_index}: ${step.text}`.slice(0, 300);
    this.open = { subject, hit: false };
    if (!this.layers) this.enqueue(() => this.ctx.cache.record('layer', 'bypass', subject, { phase: 'step', reason: 'whole_build_skip_cache' }));
  }

  /** A step that ran without a cache hit was a miss, and its layer is now cached. */
  private closeStep(): void {
    const open = this.open;
    this.open = undefined;
    if (!open || open.hit || !this.layers) return;
    this.enqueue(async () => {
      await this.ctx.cache.record('layer', 'miss', open.subject, { phase: 'step', reason: 'missing_or_incompatible' });
      await this.ctx.cache.record('layer', 'stored', open.subject, { phase: 'step' });
    });
  }

  private enqueue(work: () => Promise<unknown>): void {
    this.queue = this.queue.then(work).catch(() => undefined);
  }
}
