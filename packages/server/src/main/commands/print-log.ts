/** How the CLI prints build log entries: one line per entry, prefixed with its phase or step. */
import type { LogEntry } from '@kiln/sdk';

/** Options of a log printer. */
export interface LogPrintOptions {
  /** Also print `debug` entries (cache misses, image copy chatter). */
  verbose?: boolean;
  /** Where lines go (default: standard output). */
  write?: (text: string) => void;
}

/** `[step 2/5]`, `[preparing]`, `[end]`: where an entry belongs. */
function prefixOf(entry: LogEntry): string {
  if (entry.phase === 'step' && entry.step_index !== undefined) {
    return `[step ${entry.step_index}${entry.total_steps ? `/${entry.total_steps}` : ''}]`;
  }
  if (entry.kind === 'cache') return '[cache]';
  return `[${entry.phase ?? entry.kind}]`;
}

/** The line printed for one entry (an error entry's first line only: the failure summary has the rest). */
export function formatLogEntry(entry: LogEntry): string {
  const message = entry.kind === 'error' || entry.kind === 'end' ? entry.message.split('\n')[0] : entry.message;
  return `${prefixOf(entry)} ${message}`.replace(/\s+$/, '');
}

/** Prints log entries as they arrive, remembering the step count for the failure summary. */
export class LogPrinter {
  /** Steps of the build, from the entries seen so far. */
  totalSteps: number | undefined;
  /** Offset of the next entry to print. */
  nextOffset = 0;
  private readonly verbose: boolean;
  private readonly write: (text: string) => void;

  constructor(opts: LogPrintOptions = {}) {
    this.verbose = opts.verbose ?? false;
    this.write = opts.write ?? ((text) => { process.stdout.write(text); });
  }

  /** Prints one entry (debug entries only when verbose). */
  print = (entry: LogEntry): void => {
    this.nextOffset = entry.offset + 1;
    if (entry.total_steps) this.totalSteps = entry.total_steps;
    if (entry.level === 'debug' && !this.verbose) return;
    this.write(`${formatLogEntry(entry)}\n`);
  };
}
