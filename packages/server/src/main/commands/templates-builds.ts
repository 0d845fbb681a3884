/** `kiln templates builds <ref>`: a template's build history, newest first. */
import { Template, type BuildStatus } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';
import { withClient, type ClientFlags } from './client-options.ts';
import { formatDuration, printJson } from './print-build.ts';
import { table } from './print-template.ts';
import { parseLimit } from './parse-number.ts';

const STATUSES = new Set(['waiting', 'building', 'ready', 'error', 'cancelled']);

/** Lists the builds of `ref` (`--status`, `--limit`, `--cursor`). */
export async function templatesBuildsCommand(ref: string, flags: ClientFlags & { status?: string; limit?: string; cursor?: string; json?: boolean }): Promise<void> {
  if (flags.status !== undefined && !STATUSES.has(flags.status)) throw new CliError(`--status ${flags.status}: use one of ${[...STATUSES].join(', ')}`, EXIT.usage);
  const limit = flags.limit === undefined ? undefined : parseLimit(flags.limit);
  await withClient(flags, async (conn) => {
    const page = await Template.listBuilds(ref, {
      ...conn, ...(flags.status ? { status: flags.status as BuildStatus } : {}), ...(limit ? { limit } : {}), ...(flags.cursor ? { cursor: flags.cursor } : {}),
    });
    if (flags.json) return printJson(page);
    const rows = [['BUILD', 'STATUS', 'TAGS', 'CREATED', 'DURATION', 'ERROR']];
    for (const b of page.builds) rows.push([b.build_id, b.status, b.tags.join(',') || '-', b.created_at, formatDuration(b.duration_ms), b.error_detail?.code ?? '-']);
    process.stdout.write(page.builds.length ? `${table(rows)}\n` : '(no builds)\n');
    if (page.next_cursor) process.stdout.write(`more: kiln templates builds ${ref} --cursor ${page.next_cursor}\n`);
  });
}
