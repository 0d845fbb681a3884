/** `kiln promote <build_id> <tag>`: moves a tag of the build's template to this build. */
import { TemplateBuild } from '@kiln/sdk';
import { withClient, type ClientFlags } from './client-options.ts';
import { printJson } from './print-build.ts';

/** Points `tag` at `buildId`. */
export async function promoteCommand(buildId: string, tag: string, flags: ClientFlags & { json?: boolean }): Promise<void> {
  await withClient(flags, async (conn) => {
    const build = await TemplateBuild.connect(buildId, conn);
    const info = await build.promote(tag);
    if (flags.json) printJson(info);
    else process.stdout.write(`${info.name}:${tag} → ${info.build_id} (tags of this build: ${info.tags.join(', ')})\n`);
  });
}
