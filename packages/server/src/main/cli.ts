/** The `kiln` command line: serve, import images, build builtin bases. */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { KilnError } from '../errors/errors.ts';

// Each command loads only the modules it needs (the server's are many): faster start, less memory.

const program = new Command('kiln').description('Kiln: self-hosted sandbox template builds').showHelpAfterError();

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

program.parseAsync().catch((err: unknown) => {
  const msg = err instanceof KilnError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`kiln: ${msg}\n`);
  process.exit(1);
});
