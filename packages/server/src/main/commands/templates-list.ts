/** `kiln templates ls`: your templates, newest first, a page at a time. */
import { Template } from '@kiln/sdk';
import { withClient, type ClientFlags } from './client-options.ts';
import { printJson } from './print-build.ts';
import { templatesTable } from './print-template.ts';
import { parseLimit } from './parse-number.ts';

/** Lists templates (`--name` prefix, `--limit`, `--cursor`). */
export async function templatesListCommand(flags: ClientFlags & { name?: string; limit?: string; cursor?: string; json?: boolean }): Promise<void> {
  const limit = flags.limit === undefined ? undefined : parseLimit(flags.limit);
  await withClient(flags, async (conn) => {
    const page = await Template.list({ ...conn, ...(limit ? { limit } : {}), ...(flags.name ? { name: flags.name } : {}), ...(flags.cursor ? { cursor: flags.cursor } : {}) });
    if (flags.json) return printJson(page);
    process.stdout.write(page.templates.length ? `${templatesTable(page.templates)}\n` : '(no templates)\n');
    if (page.next_cursor) process.stdout.write(`more: kiln templates ls --cursor ${page.next_cursor}\n`);
  });
}
