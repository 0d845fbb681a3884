/** `kiln templates aliases <ref> [rm <alias>]`: list or remove a template's aliases. */
import { Template } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';
import { withClient, type ClientFlags } from './client-options.ts';
import { printJson } from './print-build.ts';
import { aliasesTable } from './print-template.ts';

/** Lists the aliases of `ref`, or removes one. */
export async function templatesAliasesCommand(ref: string, action: string | undefined, alias: string | undefined, flags: ClientFlags & { json?: boolean }): Promise<void> {
  if (action !== undefined && action !== 'rm') throw new CliError(`templates aliases ${ref} ${action}: the action is rm (or none, to list)`, EXIT.usage);
  if (action === 'rm' && !alias) throw new CliError('templates aliases rm: name the alias to remove', EXIT.usage);
  await withClient(flags, async (conn) => {
    const aliases = action === 'rm' ? await Template.removeAlias(ref, alias!, conn) : await Template.listAliases(ref, conn);
    if (flags.json) return printJson(aliases);
    if (action === 'rm') process.stdout.write(`removed alias ${alias}\n`);
    process.stdout.write(`${aliasesTable(aliases)}\n`);
  });
}
