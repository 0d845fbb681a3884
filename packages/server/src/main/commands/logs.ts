/** `kiln logs <build_id> [--follow] [--offset N]`: a build's log over Server-Sent Events. */
import { TemplateBuild } from '@kiln/sdk';
import { withClient, type ClientFlags } from './client-options.ts';
import { LogPrinter } from './print-log.ts';
import { parseOffset } from './parse-number.ts';

/** Prints the log of `buildId` (with `--json`, one entry object per line). */
export async function logsCommand(buildId: string, flags: ClientFlags & { offset?: string; follow?: boolean; json?: boolean; verbose?: boolean }): Promise<void> {
  const offset = flags.offset === undefined ? 0 : parseOffset(flags.offset);
  await withClient(flags, async (conn) => {
    const build = await TemplateBuild.connect(buildId, conn);
    // With --json every entry is printed, debug ones included: it is the log as the API holds it.
    const printer = new LogPrinter({ verbose: flags.verbose });
    for await (const entry of build.logs({ offset, follow: flags.follow ?? false })) {
      if (flags.json) process.stdout.write(`${JSON.stringify(entry)}\n`);
      else printer.print(entry);
    }
  });
}
