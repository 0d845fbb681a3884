/** The `kiln` command line: serve, builds and templates through the SDK, import images, build builtin bases. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { KilnError } from '../errors/errors.ts';
import { registerBuildCommands } from './cli-build-commands.ts';
import { registerTemplateCommands } from './cli-template-commands.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './commands/cli-error.ts';

// Each command loads only the modules it needs (the server's are many): faster start, less memory.

const program = new Command('kiln').description('Kiln: self-hosted sandbox template builds').showHelpAfterError()
  .addHelpText('after', EXIT_CODES_HELP)
  // A usage error exits 2 (help and --version exit 0).
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

program.command('serve').description('run the API server (SQLite and local store unless configured otherwise)')
  .action(async () => (await import('./run-server.ts')).runServer(loadConfig()));

const image = program.command('image').description('work with OCI images');
image.command('import <ref>').description('import an image from its registry into a directory and report what was done')
  .requiredOption('-o, --output <dir>', 'directory to unpack into (new or empty)')
  .option('-u, --username <name>', 'registry user name (the password is read from standard input)')
  .option('--token-stdin', 'read a registry bearer token from standard input')
  .option('--platform <os/arch[/variant]>', 'platform to select from an index (default: this host)')
  .option('--json', 'print the result as JSON')
  .action(async (ref: string, opts: { output: string; username?: string; tokenStdin?: boolean; platform?: string; json?: boolean }) => {
    const secret = opts.username || opts.tokenStdin ? readFileSync(0, 'utf8').trim() : undefined;
    await (await import('./commands/image-import.ts')).importCommand(loadConfig(), ref, { ...opts, secret });
  });

const bases = program.command('bases').description('builtin bases that need no registry');
bases.command('build <name>').description('build a builtin base (debian-bookworm, busybox) and register it as a kiln/… template')
  .action(async (name: string) => (await import('./commands/bases.ts')).basesBuildCommand(loadConfig(), name));
bases.command('ls').description('list the builtin bases and whether this server has built them')
  .action(async () => (await import('./commands/bases.ts')).basesListCommand(loadConfig()));

registerBuildCommands(program);
registerTemplateCommands(program);

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  const msg = err instanceof CliError || !(err instanceof KilnError) ? (err instanceof Error ? err.message : String(err)) : `${err.code}: ${err.message}`;
  process.stderr.write(`kiln: ${msg}\n`);
  process.exit(err instanceof CliError ? err.exitCode : EXIT.failed);
});
