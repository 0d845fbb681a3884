/**
 * Writes of small layer entries that run in the background while the tar stream is read on:
 * bounded in number and in buffered bytes, at most one per path, with the first failure kept
 * for the applier to throw.
 */

/** A failed background write and the entry it was for. */
export interface WriteFailure {
  error: unknown;
  entry: string;
}

/** Runs background writes keyed by the real path they write. */
export class WritePool {
  private readonly byPath = new Map<string, Promise<void>>();
  private readonly all = new Set<Promise<void>>();
  private readonly waiters: (() => void)[] = [];
  private bytes = 0;
  private readonly maxJobs: number;
  private readonly maxBytes: number;
  /** The first failure of any write, once there is one. */
  failure: WriteFailure | undefined;

  /** A pool running at most `maxJobs` writes holding at most `maxBytes` of content (one larger write may run alone). */
  constructor(maxJobs: number, maxBytes: number) {
    this.maxJobs = maxJobs;
    this.maxBytes = maxBytes;
  }

  /** The pending write of `rel`, if any. */
  waitFor(rel: string): Promise<void> | undefined {
    return this.byPath.get(rel);
  }

  /** Starts `write` for path `rel` once there is room; resolves when it has started, not finished. */
  async start(rel: string, entry: string, bytes: number, write: () => Promise<void>): Promise<void> {
    while (this.all.size >= this.maxJobs || (this.all.size > 0 && this.bytes + bytes > this.maxBytes)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.bytes += bytes;
    const job: Promise<void> = write()
      .catch((error: unknown) => {
        this.failure ??= { error, entry };
      })
      .finally(() => {
        this.bytes -= bytes;
        this.all.delete(job);
        if (this.byPath.get(rel) === job) this.byPath.delete(rel);
        this.waiters.shift()?.();
      });
    this.all.add(job);
    this.byPath.set(rel, job);
  }

  /** Resolves when every write started so far has finished (failures are kept in {@link failure}). */
  async drain(): Promise<void> {
    while (this.all.size > 0) await Promise.all([...this.all]);
  }
}
