/** `kiln templates rename|visibility|rm`: change a template's name or visibility, or delete it. */
import { Template } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';
import { withClient, type ClientFlags } from './client-options.ts';
import { printJson } from './print-build.ts';

/** Renames `ref` to `name` (the old name stays an alias unless `--no-keep-alias`). */
export async function templatesRenameCommand(ref: string, name: string, flags: ClientFlags & { keepAlias?: boolean; claimToken?: string; json?: boolean }): Promise<void> {
  await withClient(flags, async (conn) => {
    const template = await Template.rename(ref, name, { ...conn, keepAlias: flags.keepAlias !== false, ...(flags.claimToken ? { claimToken: flags.claimToken } : {}) });
    if (flags.json) return printJson(template);
    process.stdout.write(`renamed ${ref} to ${template.name}${template.aliases.length ? ` (aliases: ${template.aliases.join(', ')})` : ''}\n`);
  });
}

/** Makes `ref` public or private. */
export async function templatesVisibilityCommand(ref: string, visibility: string, flags: ClientFlags & { json?: boolean }): Promise<void> {
  if (visibility !== 'public' && visibility !== 'private') throw new CliError(`visibility ${visibility}: use public or private`, EXIT.usage);
  await withClient(flags, async (conn) => {
    const template = await Template.setVisibility(ref, visibility, conn);
    if (flags.json) return printJson(template);
    process.stdout.write(`${template.canonical_ref} is ${template.visibility}\n`);
  });
}

/** Deletes `ref` with its tags and aliases. */
export async function templatesRemoveCommand(ref: string, flags: ClientFlags & { json?: boolean }): Promise<void> {
  await withClient(flags, async (conn) => {
    const deleted = await Template.delete(ref, conn);
    if (flags.json) return printJson(deleted);
    process.stdout.write(`deleted ${deleted.name} (${deleted.id})\n`);
  });
}
