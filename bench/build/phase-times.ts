/** Where a build's time went, read from the timestamps of its log entries. */

/** The fields of a log entry this module reads. */
export interface TimedEntry {
  timestamp: string;
  phase?: string;
  kind?: string;
}

/**
 * Milliseconds per phase: each interval between two consecutive entries counts for the phase of
 * the earlier one (`start` for entries without a phase), so the parts add up to the time from the
 * first entry to the last. Phases appear in the order they were first entered.
 */
export function phaseDurations(entries: readonly TimedEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < entries.length; i++) {
    const phase = entries[i].phase ?? 'start';
    const ms = Date.parse(entries[i + 1].timestamp) - Date.parse(entries[i].timestamp);
    out[phase] = (out[phase] ?? 0) + Math.max(0, ms);
  }
  return out;
}

/** The per-phase medians over several builds (a phase missing from a build counts as 0 ms there). */
export function medianPhases(runs: readonly Record<string, number>[], median: (xs: number[]) => number): Record<string, number> {
  const names: string[] = [];
  for (const r of runs) for (const k of Object.keys(r)) if (!names.includes(k)) names.push(k);
  return Object.fromEntries(names.map((k) => [k, median(runs.map((r) => r[k] ?? 0))]));
}

/** `step 1,234 ms, finalize 56 ms`: the phases that took at least `minMs`. */
export function formatPhases(phases: Record<string, number>, minMs = 1): string {
  return Object.entries(phases).filter(([, ms]) => ms >= minMs).map(([k, ms]) => `${k} ${Math.round(ms).toLocaleString('en-US')} ms`).join(', ');
}
