/** Options the API commands share (connection, `--json`, repeatable values), defined without loading the SDK. */
import type { Command } from 'commander';

/** Adds one value of a repeatable option to the list so far. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `--api-url` and `--api-key` (falling back to KILN_API_URL and KILN_API_KEY) to an API command. */
export function apiOptions(cmd: Command): Command {
  return cmd
    .option('--api-url <url>', 'Kiln server (default: KILN_API_URL, else http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: KILN_API_KEY)');
}

/** Adds `--json` (print the API objects as JSON) to a command. */
export function jsonOption(cmd: Command): Command {
  return cmd.option('--json', 'print the API objects as JSON');
}

/** Adds the inputs of a Dockerfile build (`kiln build`, `plan`, `validate`). */
export function buildInputOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <name>', 'the Dockerfile inside the directory (default: Dockerfile)')
    .option('-n, --name <name>', 'template name (default: the context directory\'s name)')
    .option('-t, --tag <tag>', 'tag of the built template (repeatable; default: default)', collect)
    .option('--build-arg <KEY=VALUE>', 'build argument (repeatable; a bare KEY takes its value from the environment)', collect)
    .option('--target <stage>', 'the stage to build')
    .option('--secret <id=ENV_VAR|id=@file>', 'build secret for RUN --mount=type=secret (repeatable), from an environment variable or a file', collect)
    .option('--skip-cache', 'build without the layer and whole-build caches')
    .option('--no-internet', 'build steps get no network')
    .option('--backend <backend>', 'native or buildkit (default: buildkit for a Dockerfile)');
}
