/** Numeric command-line values, checked. */
import { CliError, EXIT } from './cli-error.ts';

/** A log offset: a whole number, 0 or more. */
export function parseOffset(value: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(`--offset ${value}: give a whole number, 0 or more`, EXIT.usage);
  return Number(value);
}

/** A page size, 1–100. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100) throw new CliError(`--limit ${value}: give a whole number from 1 to 100`, EXIT.usage);
  return n;
}
