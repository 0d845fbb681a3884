/**
 * Every cache decision of a build: a `cache` log entry with `cache_kind`, `cache_status`,
 * `cache_reason` and `cache_subject`, counted into the build's twelve `cache_summary` counters.
 */
import type { Store } from '../../store/store.ts';
import { emptyCacheSummary } from '../../domain/build-view.ts';
import type { BuildLog, BuildPhase } from '../build-log.ts';

/** The three caches. */
export type CacheKind = 'final_artifact' | 'layer' | 'file_blob';
/** What happened: found, not found, skipped on request, or written. */
export type CacheStatus = 'hit' | 'miss' | 'bypass' | 'stored';
/** Why a lookup did not hit, as the API names it. */
export type CacheReason = 'whole_build_skip_cache' | 'builder_cache_boundary' | 'force_upload' | 'missing_or_incompatible';

const COUNTER: Record<CacheStatus, string> = { hit: 'hits', miss: 'misses', bypass: 'bypasses', stored: 'stores' };

/** Records one build's cache decisions; the counters reach the store with each entry. */
export class CacheRecorder {
  private readonly summary: Record<string, number>;
  private readonly store: Store;
  private readonly build: { id: string; tenant_id: string };
  private readonly log: BuildLog;

  constructor(store: Store, build: { id: string; tenant_id: string; cache_summary: Record<string, number> }, log: BuildLog) {
    this.store = store;
    this.build = build;
    this.log = log;
    this.summary = { ...emptyCacheSummary(), ...build.cache_summary };
  }

  /** The counters so far. */
  get counters(): Record<string, number> {
    return { ...this.summary };
  }

  /** Logs a decision and counts it; `subject` is a path or a step's description, never a secret. */
  async record(kind: CacheKind, status: CacheStatus, subject: string, opts: { reason?: CacheReason; phase?: BuildPhase; message?: string } = {}): Promise<void> {
    this.summary[`${kind}_${COUNTER[status]}`] += 1;
    const message = opts.message ?? `${kind.replace('_', ' ')} cache ${status}: ${subject}`;
    await this.log.write('cache', status === 'miss' || status === 'bypass' ? 'debug' : 'info', message, {
      cache_kind: kind, cache_status: status, cache_subject: subject,
      ...(opts.reason ? { cache_reason: opts.reason } : {}), ...(opts.phase ? { phase: opts.phase } : {}),
    });
    await this.store.updateBuild(this.build.tenant_id, this.build.id, { cache_summary: this.counters });
  }
}
