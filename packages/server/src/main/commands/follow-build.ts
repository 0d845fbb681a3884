/**
 * Follows a started build to its end for `kiln build` and `kiln retry`: prints each log entry as it
 * streams, then the result; a build that does not end ready is a CLI error with its error detail.
 */
import type { BuildInfo, TemplateBuild } from '@kiln/sdk';
import { CliError, EXIT } from './cli-error.ts';
import { LogPrinter } from './print-log.ts';
import { failureMessage, printJson, readyLine } from './print-build.ts';

/** How to follow: `--json` (progress on standard error, the build object on standard output), `--verbose`, `--detach`. */
export interface FollowFlags {
  json?: boolean;
  verbose?: boolean;
  detach?: boolean;
}

/** Writes to standard error. */
const toStderr = (text: string) => { process.stderr.write(text); };

/** Prints the started build's id, follows it unless detached, and throws for a build that failed or was cancelled. */
export async function followBuild(build: TemplateBuild, flags: FollowFlags): Promise<BuildInfo> {
  const say = flags.json ? toStderr : (text: string) => { process.stdout.write(text); };
  say(`build ${build.buildId} started: template ${build.info.name} (${build.templateId}), ${build.info.build_backend} backend, attempt ${build.info.attempt}\n`);
  if (flags.detach) {
    if (flags.json) printJson(build.info);
    else say(`follow it with: kiln logs ${build.buildId} --follow\n`);
    return build.info;
  }
  const printer = new LogPrinter({ verbose: flags.verbose, write: say });
  // Ctrl-C stops following, not the build.
  const onInterrupt = () => {
    process.stderr.write(`\nkiln: stopped following; build ${build.buildId} goes on (kiln logs ${build.buildId} --follow, or kiln cancel ${build.buildId})\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  let info: BuildInfo;
  try {
    info = await build.waitUntilTerminal({ onLog: printer.print });
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  if (flags.json) printJson(info);
  if (info.status !== 'ready') throw new CliError(failureMessage(info, printer.totalSteps), EXIT.failed);
  if (!flags.json) say(`${readyLine(info)}\n`);
  return info;
}
