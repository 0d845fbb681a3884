/** How the CLI prints build objects: a status summary, the one-line result, and a failure's error detail. */
import type { BuildInfo } from '@kiln/sdk';

/** Prints `value` as indented JSON on standard output (the `--json` form of every read command). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `1.5 s`, `2 min 3 s`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The non-zero cache counters, as `layer_hits=2 final_artifact_stores=1`. */
function cacheLine(summary: Record<string, number>): string {
  const parts = Object.entries(summary).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`);
  return parts.length ? parts.join(' ') : '-';
}

/** `step_failed in phase step, step 3/4`. */
export function failureWhere(build: BuildInfo, totalSteps?: number): string {
  const d = build.error_detail;
  const phase = d?.phase ?? build.failure_phase ?? 'an unknown phase';
  const step = d?.step_index ? `, step ${d.step_index}${totalSteps ? `/${totalSteps}` : ''}` : '';
  return `${d?.code ?? 'build_failed'} in phase ${phase}${step}`;
}

/** The message printed (on standard error) for a build that did not end ready. */
export function failureMessage(build: BuildInfo, totalSteps?: number): string {
  if (build.status === 'cancelled') {
    return `build ${build.build_id} was cancelled${build.cancel_reason ? `: ${build.cancel_reason}` : ''}`;
  }
  const message = build.error_detail?.message ?? build.error ?? 'no error detail';
  return `build ${build.build_id} failed: ${failureWhere(build, totalSteps)}\n${message}`;
}

/** The line printed when a build is ready. */
export function readyLine(build: BuildInfo): string {
  const tags = build.tags.length ? build.tags.map((t) => `${build.name}:${t}`).join(', ') : build.name;
  return `ready: ${build.build_id} (${tags}) in ${formatDuration(build.duration_ms)}`;
}

/** The `kiln status` summary of a build, one `key: value` per line. */
export function statusLines(build: BuildInfo): string[] {
  const rows: [string, string][] = [
    ['build', build.build_id],
    ['template', `${build.canonical_ref} (${build.template_id})`],
    ['status', build.status],
    ['backend', `${build.build_backend} (${build.source_type})`],
    ['attempt', `${build.attempt}, triggered by ${build.triggered_by}`],
    ['tags', build.tags.length ? build.tags.join(', ') : '-'],
    ['created', build.created_at],
    ['started', build.started_at ?? '-'],
    ['finished', build.finished_at ?? '-'],
    ['duration', formatDuration(build.duration_ms)],
  ];
  if (build.error_detail) {
    rows.push(['error', failureWhere(build)]);
    rows.push(['message', build.error_detail.message.split('\n')[0]]);
  }
  if (build.cancel_reason) rows.push(['cancelled', build.cancel_reason]);
  rows.push(['artifact', build.artifact_availability.available ? `available (${build.artifact_ids.join(', ')})` : `none (${build.artifact_availability.reason})`]);
  rows.push(['promotable', build.promotability.promotable ? 'yes' : `no (${build.promotability.reason})`]);
  rows.push(['cache', cacheLine(build.cache_summary)]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`);
}
