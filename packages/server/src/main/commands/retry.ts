/** `kiln retry <build_id> [--tag …] [--secret …]`: builds the same template again from the stored definition and context. */
import { TemplateBuild } from '@kiln/sdk';
import { withClient, type ClientFlags } from './client-options.ts';
import { parseSecrets } from './build-inputs.ts';
import { followBuild, type FollowFlags } from './follow-build.ts';

/** Retries `buildId` and follows the new build (unless `--detach`). */
export async function retryCommand(buildId: string, flags: ClientFlags & FollowFlags & { tag?: string[]; secret?: string[] }): Promise<void> {
  const secrets = parseSecrets(flags.secret);
  await withClient(flags, async (conn) => {
    const original = await TemplateBuild.connect(buildId, conn);
    const build = await original.retry({ ...(flags.tag?.length ? { tags: flags.tag } : {}), ...(secrets ? { buildSecrets: secrets } : {}) });
    await followBuild(build, flags);
  });
}
