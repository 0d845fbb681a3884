/** `kiln build [path]`: uploads the context (only the files the server lacks), starts the build and follows it. */
import { Template } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';
import { withClient, type ClientFlags } from './client-options.ts';
import { buildInputs, type BuildFlags } from './build-inputs.ts';
import { followBuild, type FollowFlags } from './follow-build.ts';

/** Builds the Dockerfile at `target` (a file, or a directory holding `Dockerfile`). */
export async function buildCommand(target: string, flags: BuildFlags & FollowFlags & ClientFlags): Promise<void> {
  const inputs = buildInputs(target, flags);
  if (inputs.name === undefined) throw new CliError(`cannot make a template name from ${inputs.contextPath}: pass --name`, EXIT.usage);
  const name = inputs.name;
  await withClient(flags, async (conn) => {
    const build = await Template.buildInBackground(inputs.template, name, { ...inputs.options, ...conn });
    const up = build.contextUpload;
    if (up) {
      const say = flags.json ? process.stderr : process.stdout;
      say.write(`context ${inputs.contextPath}: ${up.context.file_count} files, ${up.blobsSent} sent (${up.bytesSent} bytes), ${up.blobsReused} already on the server\n`);
    }
    await followBuild(build, flags);
  });
}
