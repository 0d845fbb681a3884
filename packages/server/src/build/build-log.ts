/**
 * A build's durable log: every entry is appended to the store at the next dense offset, with
 * the fields the API documents (`build_id, template_id, offset, timestamp, kind, level, message`,
 * and `phase`, `attempt`, `result`, … when they apply).
 */
import type { Store } from '../store/store.ts';
import type { BuildEvents } from './build-events.ts';

/** Entry kinds, as the API names them. */
export type LogKind = 'start' | 'message' | 'cache' | 'retry' | 'warning' | 'error' | 'cancelled' | 'end';
/** Entry levels. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Build phases, in the order a build passes through them. */
export const BUILD_PHASES = ['cache', 'preparing', 'vm_create', 'step', 'sync', 'startup', 'readiness', 'snapshot', 'finalize', 'cleanup', 'retry'] as const;
/** A build phase. */
export type BuildPhase = (typeof BUILD_PHASES)[number];

/** Whether a phase name is a build phase (errors may carry validation phases too). */
export function isBuildPhase(p: string | undefined): p is BuildPhase {
  return (BUILD_PHASES as readonly string[]).includes(p ?? '');
}

/** Optional fields of an entry. */
export type LogExtra = Record<string, unknown> & { phase?: BuildPhase };

/** Appends a build's log entries. */
export class BuildLog {
  private readonly store: Store;
  private readonly base: { build_id: string; template_id: string; attempt: number; max_attempts: number };
  /** The phase entries are written under when none is given. */
  phase: BuildPhase | undefined;

  private readonly events: BuildEvents | undefined;

  /** `events`, when given, hears `logged` after each stored entry (log followers wake on it). */
  constructor(store: Store, build: { id: string; template_id: string }, attempt: number, maxAttempts: number, events?: BuildEvents) {
    this.store = store;
    this.events = events;
    this.base = { build_id: build.id, template_id: build.template_id, attempt, max_attempts: maxAttempts };
  }

  private ended = false;

  /** Appends one entry and returns its offset; after the `end` entry nothing more is written (-1). */
  async write(kind: LogKind, level: LogLevel, message: string, extra: LogExtra = {}): Promise<number> {
    if (this.ended) return -1;
    if (kind === 'end') this.ended = true;
    const phase = extra.phase ?? this.phase;
    const rec = await this.store.appendLog(this.base.build_id, {
      ...this.base, timestamp: new Date().toISOString(), kind, level, message, ...extra, ...(phase ? { phase } : {}),
    });
    this.events?.emit('logged', this.base.build_id);
    return rec.offset;
  }

  /** Whether the build's log already holds its `end` entry. */
  async hasEnded(): Promise<boolean> {
    const last = await this.store.lastLog(this.base.build_id);
    return last?.entry.kind === 'end';
  }

  /** An informational message in the current phase. */
  info(message: string, extra: LogExtra = {}): Promise<number> {
    return this.write('message', 'info', message, extra);
  }

  /** Enters a phase and says so. */
  async enter(phase: BuildPhase, message: string): Promise<void> {
    this.phase = phase;
    await this.info(message);
  }
}
