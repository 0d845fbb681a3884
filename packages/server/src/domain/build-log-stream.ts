/**
 * Reading a build's log as a stream: the stored entries from an offset, in pages, and then,
 * when following, the entries written later until the `end` entry. New entries are noticed
 * through the in-process `logged` event and, for writers in other processes (a worker on
 * PostgreSQL) or writes that emit nothing, by polling the store.
 */
import type { BuildEvents } from '../build/build-events.ts';
import type { LogEntryRecord, Store } from '../store/store.ts';

/** The largest offset the store's integer column holds; offsets above it are read as "none yet". */
const MAX_STORED_OFFSET = 2 ** 31 - 1;

/** How to read a log. */
export interface LogStreamOptions {
  /** First offset to return. */
  from: number;
  /** After the stored entries, wait for new ones until the `end` entry (otherwise stop). */
  follow: boolean;
  /** Aborting it stops the stream (the client went away); no listener or timer is left behind. */
  signal: AbortSignal;
  /** How often a follower reads the store when no event woke it (default 500 ms). */
  pollMs?: number;
  /** Entries read per store query (default 200). */
  pageSize?: number;
}

/** Yields a build's log entries from `opts.from` on, in offset order; see {@link LogStreamOptions}. */
export async function* readBuildLog(store: Store, events: BuildEvents | undefined, buildId: string, opts: LogStreamOptions): AsyncGenerator<LogEntryRecord> {
  const pageSize = opts.pageSize ?? 200;
  let next = opts.from;
  while (!opts.signal.aborted) {
    const page = next > MAX_STORED_OFFSET ? [] : await store.listLogs(buildId, next, pageSize);
    for (const rec of page) {
      if (opts.signal.aborted) return;
      yield rec;
      next = rec.offset + 1;
      if (opts.follow && rec.entry.kind === 'end') return;
    }
    if (page.length === pageSize) continue;
    if (!opts.follow) return;
    // Nothing more stored from `next`: the stream ends if the log has ended, else it waits.
    const last = await store.lastLog(buildId);
    if (last && last.offset >= next) continue;
    if (last?.entry.kind === 'end') return;
    await nextWake(events, buildId, opts.signal, opts.pollMs ?? 500);
  }
}

/** Resolves when the build logs an entry in this process, after `pollMs`, or on abort, whichever is first. */
function nextWake(events: BuildEvents | undefined, buildId: string, signal: AbortSignal, pollMs: number): Promise<void> {
  return new Promise((resolve) => {
    const onLogged = (id: string) => { if (id === buildId) done(); };
    const done = () => {
      clearTimeout(timer);
      events?.off('logged', onLogged);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, pollMs);
    events?.on('logged', onLogged);
    signal.addEventListener('abort', done);
    if (signal.aborted) done();
  });
}
