/** `kiln templates …`: list, read, tag, alias, rename, publish and delete templates; each loads its module when run. */
import type { Command } from 'commander';
import { apiOptions, jsonOption } from './cli-api-options.ts';

/** Registers `kiln templates` and its subcommands on `program`. */
export function registerTemplateCommands(program: Command): void {
  const templates = program.command('templates').description('your templates: list, read, tags, aliases, rename, visibility, delete');
  const sub = (spec: string, description: string) => jsonOption(apiOptions(templates.command(spec).description(description)));

  sub('ls', 'list your templates, newest first')
    .option('--name <prefix>', 'only names starting with this')
    .option('--limit <n>', 'page size, 1-100 (default 20)')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(async (opts) => (await import('./commands/templates-list.ts')).templatesListCommand(opts));

  sub('get <ref>', 'one template (ref: name, name:tag, name:tb_…, tmpl_…, namespace/name:tag)')
    .option('--fields <list>', 'only these fields, comma-separated (id,name,tags,…)')
    .action(async (ref: string, opts) => (await import('./commands/templates-get.ts')).templatesGetCommand(ref, opts));

  sub('tags <ref> [action] [tags...]', 'list tags; "add <tag…>" points them at the build the ref names (or --build); "rm <tag>" removes one')
    .option('--build <build_id>', 'with add: the ready build to point the tags at')
    .action(async (ref: string, action: string | undefined, tags: string[], opts) => (await import('./commands/templates-tags.ts')).templatesTagsCommand(ref, action, tags, opts));

  sub('aliases <ref> [action] [alias]', 'list aliases; "rm <alias>" removes one')
    .action(async (ref: string, action: string | undefined, alias: string | undefined, opts) => (await import('./commands/templates-aliases.ts')).templatesAliasesCommand(ref, action, alias, opts));

  sub('builds <ref>', 'the template\'s build history, newest first')
    .option('--status <status>', 'only builds with this status (waiting, building, ready, error, cancelled)')
    .option('--limit <n>', 'page size, 1-100 (default 20)')
    .option('--cursor <cursor>', 'the next page')
    .action(async (ref: string, opts) => (await import('./commands/templates-builds.ts')).templatesBuildsCommand(ref, opts));

  sub('rename <ref> <name>', 'rename a template; the old name stays an alias')
    .option('--no-keep-alias', 'do not keep the old name as an alias')
    .option('--claim-token <token>', 'the claim token of a reserved name')
    .action(async (ref: string, name: string, opts) => (await import('./commands/templates-edit.ts')).templatesRenameCommand(ref, name, opts));

  sub('visibility <ref> <visibility>', 'public (other tenants may read and build on it) or private')
    .action(async (ref: string, visibility: string, opts) => (await import('./commands/templates-edit.ts')).templatesVisibilityCommand(ref, visibility, opts));

  sub('rm <ref>', 'delete a template with its tags and aliases (refused while something depends on it)')
    .action(async (ref: string, opts) => (await import('./commands/templates-edit.ts')).templatesRemoveCommand(ref, opts));
}
