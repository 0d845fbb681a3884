/** The `kiln` command line: serve, import images, build builtin bases. */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { KilnError } from '../errors/errors.ts';
import { runServer } from './run-server.ts';
import { importCommand } from './commands/image-import.ts';
import { basesBuildCommand, basesListCommand } from './commands/bases.ts';

const program = new Command('kiln').description('Kiln: self-hosted sandbox template builds').showHelpAfterError();

program.command('serve').description('run the API server (SQLite and local store unless configured otherwise)')
  .action(async () => runServer(loadConfig()));

const image = program.command('image').description('work with OCI images');
image.command('import <ref>').description('import an image from its registry into a directory and report what was done')
  .requiredOption('-o, --output <dir>', 'directory to unpack into (new or empty)')
  .option('-u, --username <name>', 'registry user name (the password is read from standard input)')
  .option('--token-stdin', 'read a registry bearer token from standard input')
  .option('--platform <os/arch[/variant]>', 'platform to select from an index (default: this host)')
  .option('--json', 'print the result as JSON')
  .action(async (ref: string, opts: { output: string; username?: string; tokenStdin?: boolean; platform?: string; json?: boolean }) => {
    const secret = opts.username || opts.tokenStdin ? readFileSync(0, 'utf8').trim() : undefined;
    await importCommand(loadConfig(), ref, { ...opts, secret });
  });

const bases = program.command('bases').description('builtin bases that need no registry');
bases.command('build <name>').description('build a builtin base (debian-bookworm, busybox) and register it as a kiln/… template')
  .action(async (name: string) => basesBuildCommand(loadConfig(), name));
bases.command('ls').description('list the builtin bases and whether this server has built them')
  .action(async () => basesListCommand(loadConfig()));

program.parseAsync().catch((err: unknown) => {
  const msg = err instanceof KilnError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`kiln: ${msg}\n`);
  process.exit(1);
});
