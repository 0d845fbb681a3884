/** Command-line flags of the benchmark runners: `--name=value`. */

/** The positive integer given as `--name=N`, or `fallback`; throws on anything else. */
export function intFlag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const n = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}
