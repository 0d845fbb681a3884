/** `kiln status <build_id> [--offset N]`: a build's status, and its log entries from N when asked. */
import { TemplateBuild } from '@kiln/sdk';
import { withClient, type ClientFlags } from './client-options.ts';
import { LogPrinter } from './print-log.ts';
import { printJson, statusLines } from './print-build.ts';
import { parseOffset } from './parse-number.ts';

/** Prints the status of `buildId`. */
export async function statusCommand(buildId: string, flags: ClientFlags & { offset?: string; json?: boolean; verbose?: boolean }): Promise<void> {
  const offset = flags.offset === undefined ? undefined : parseOffset(flags.offset);
  await withClient(flags, async (conn) => {
    const build = await TemplateBuild.connect(buildId, conn);
    const status = await build.getStatus({ offset: offset ?? 0, ...(offset === undefined && !flags.json ? { limit: 1 } : {}) });
    if (flags.json) return printJson(status);
    process.stdout.write(`${statusLines(status).join('\n')}\n`);
    if (offset === undefined) return;
    const printer = new LogPrinter({ verbose: flags.verbose });
    status.log_entries.forEach(printer.print);
    process.stdout.write(`next offset: ${status.next_log_offset}\n`);
  });
}
