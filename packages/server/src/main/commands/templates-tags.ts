/** `kiln templates tags <ref> [add <tag…> [--build id] | rm <tag>]`: list, assign or remove tags. */
import { Template } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';
import { withClient, type ClientFlags } from './client-options.ts';
import { printJson } from './print-build.ts';
import { tagsTable } from './print-template.ts';

/** Lists the tags of `ref`, or adds or removes some. */
export async function templatesTagsCommand(ref: string, action: string | undefined, tags: string[], flags: ClientFlags & { build?: string; json?: boolean }): Promise<void> {
  if (action !== undefined && action !== 'add' && action !== 'rm') {
    throw new CliError(`templates tags ${ref} ${action}: the action is add or rm (or none, to list)`, EXIT.usage);
  }
  if (action === undefined && tags.length) throw new CliError('give add or rm before the tags', EXIT.usage);
  if (action !== undefined && tags.length === 0) throw new CliError(`templates tags ${ref} ${action}: name at least one tag`, EXIT.usage);
  if (action === 'rm' && tags.length !== 1) throw new CliError('templates tags rm removes one tag at a time', EXIT.usage);
  if (flags.build !== undefined && action !== 'add') throw new CliError('--build goes with add', EXIT.usage);
  await withClient(flags, async (conn) => {
    if (action === 'add') {
      const moved = await Template.assignTags(ref, tags, { ...conn, ...(flags.build ? { buildId: flags.build } : {}) });
      if (flags.json) return printJson(moved);
      process.stdout.write(`${moved.tags.map((t) => `${moved.template.name}:${t}`).join(', ')} → ${moved.build_id}\n`);
      return;
    }
    if (action === 'rm') {
      const template = await Template.removeTag(ref, tags[0], conn);
      if (flags.json) return printJson(template);
      process.stdout.write(`removed tag ${tags[0]} of ${template.name}\n`);
      return;
    }
    const template = await Template.get(ref, { ...conn, fields: ['id', 'name', 'tags', 'default_tag'] });
    if (flags.json) return printJson(template.tags);
    process.stdout.write(`${tagsTable(template.tags)}\n`);
  });
}
