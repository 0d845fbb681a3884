/** `kiln cancel <build_id> [--reason …]`: cancels a waiting or running build. */
import { TemplateBuild } from '@kiln/sdk';
import { withClient, type ClientFlags } from './client-options.ts';
import { printJson } from './print-build.ts';

/** Cancels `buildId`. */
export async function cancelCommand(buildId: string, flags: ClientFlags & { reason?: string; json?: boolean }): Promise<void> {
  await withClient(flags, async (conn) => {
    const build = await TemplateBuild.connect(buildId, conn);
    const info = await build.cancel(flags.reason);
    if (flags.json) printJson(info);
    else process.stdout.write(`cancelled ${info.build_id} (${info.name})${info.cancel_reason ? `: ${info.cancel_reason}` : ''}\n`);
  });
}
