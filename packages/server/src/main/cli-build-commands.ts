/** The build commands of `kiln` (build, plan, validate, status, logs, cancel, retry, promote); each loads its module when run. */
import type { Command } from 'commander';
import { apiOptions, buildInputOptions, collect, jsonOption } from './cli-api-options.ts';

/** Registers the build commands on `program`. */
export function registerBuildCommands(program: Command): void {
  const follow = (cmd: Command) => cmd
    .option('-d, --detach', 'print the build id and return without following the build')
    .option('-v, --verbose', 'also print debug log entries');

  follow(jsonOption(apiOptions(buildInputOptions(program.command('build [path]')
    .description('build a template from a Dockerfile, or a directory holding one (its build context), printing progress and log lines as they stream')))))
    .action(async (target: string | undefined, opts) => (await import('./commands/build.ts')).buildCommand(target ?? '.', opts));

  jsonOption(apiOptions(buildInputOptions(program.command('plan [path]')
    .description('show the normalised build plan of a Dockerfile (steps, base, start command, digests) without building'))))
    .action(async (target: string | undefined, opts) => (await import('./commands/plan.ts')).planCommand(target ?? '.', opts));

  jsonOption(apiOptions(buildInputOptions(program.command('validate [path]')
    .description('list every problem of a Dockerfile build at once (exit 1 when there are any)'))))
    .action(async (target: string | undefined, opts) => (await import('./commands/validate.ts')).validateCommand(target ?? '.', opts));

  jsonOption(apiOptions(program.command('status <build_id>').description('a build\'s status; with --offset also its log entries from there')
    .option('--offset <n>', 'print the log entries from this offset, and the next offset')
    .option('-v, --verbose', 'also print debug log entries')))
    .action(async (id: string, opts) => (await import('./commands/status.ts')).statusCommand(id, opts));

  jsonOption(apiOptions(program.command('logs <build_id>').description('a build\'s log; --follow keeps printing until the build ends')
    .option('--follow', 'keep streaming new entries until the build ends')
    .option('--offset <n>', 'start at this log offset (default 0)')
    .option('-v, --verbose', 'also print debug log entries')))
    .action(async (id: string, opts) => (await import('./commands/logs.ts')).logsCommand(id, opts));

  jsonOption(apiOptions(program.command('cancel <build_id>').description('cancel a waiting or running build')
    .option('--reason <text>', 'why (kept in the build\'s log)')))
    .action(async (id: string, opts) => (await import('./commands/cancel.ts')).cancelCommand(id, opts));

  follow(jsonOption(apiOptions(program.command('retry <build_id>').description('build the same template again from the stored definition and context, and follow it')
    .option('-t, --tag <tag>', 'tags of the new build (repeatable; default: the original\'s)', collect)
    .option('--secret <id=ENV_VAR|id=@file>', 'the build secrets the original used, given again (repeatable)', collect))))
    .action(async (id: string, opts) => (await import('./commands/retry.ts')).retryCommand(id, opts));

  jsonOption(apiOptions(program.command('promote <build_id> <tag>').description('point a tag of the build\'s template at this ready build')))
    .action(async (id: string, tag: string, opts) => (await import('./commands/promote.ts')).promoteCommand(id, tag, opts));
}
