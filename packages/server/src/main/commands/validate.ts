/** `kiln validate [path]`: every problem of a Dockerfile build request at once; exits 1 when there are any. */
import { Template } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';
import { withClient, type ClientFlags } from './client-options.ts';
import { buildInputs, type BuildFlags } from './build-inputs.ts';
import { printJson } from './print-build.ts';

/** Validates the build of the Dockerfile at `target`. */
export async function validateCommand(target: string, flags: BuildFlags & ClientFlags & { json?: boolean }): Promise<void> {
  const inputs = buildInputs(target, flags);
  const result = await withClient(flags, (conn) => Template.validate(inputs.template, { ...inputs.options, ...conn, ...(inputs.name ? { name: inputs.name } : {}) }));
  if (flags.json) {
    printJson(result);
    if (!result.valid) process.exitCode = EXIT.failed;
    return;
  }
  for (const w of result.warnings) process.stdout.write(`warning: ${w}\n`);
  if (result.valid) {
    process.stdout.write(`valid: ${inputs.dockerfilePath}\n`);
    return;
  }
  const problems = result.errors.map((e) => {
    const where = [e.line !== undefined ? `line ${e.line}` : '', e.field ?? ''].filter(Boolean).join(', ');
    return `  ${e.code}${where ? ` (${where})` : ''}: ${e.message}`;
  });
  throw new CliError(`${inputs.dockerfilePath} has ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}:\n${problems.join('\n')}`, EXIT.failed);
}
