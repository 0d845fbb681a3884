/**
 * Writes of small layer entries gathered into batches that a worker thread runs with synchronous
 * system calls while the applier reads on: file contents are copied into the batch's buffer (which
 * is transferred, not copied, to the worker and back), the batches in flight are bounded in number,
 * a path has at most one pending write, and the first failure is kept for the applier to throw.
 * The worker threads are shared by every layer the process applies, started on first use and
 * stopped when idle. Batches can instead run on the calling thread between reads ('inline'),
 * which costs no worker (about 15 MB) for a process that has nothing else to do; that is also
 * the fallback where a worker cannot be started.
 */
import module from 'node:module';
import { Worker } from 'node:worker_threads';
import { failureError, runBatch, type BatchMessage, type BatchReply, type WriteOp } from './batch-ops.ts';

/** Where batches run: a worker thread, or the calling thread between reads. */
export type WriteMode = 'worker' | 'inline';

/** A failed background write and the entry it was for. */
export interface WriteFailure {
  error: unknown;
  entry: string;
}

/** Content bytes one batch holds (a file larger than this gets a batch of its own size). */
export const BATCH_BYTES = 1024 * 1024;
/** Ops in one batch. */
const BATCH_OPS = 256;
/** A batch is sent early, with at least this many ops, when no batch is in flight (the worker would idle). */
const EAGER_OPS = 32;
/** Batches sent and not yet answered, per layer. */
const MAX_IN_FLIGHT = 3;
/** Worker threads shared by the process. */
const THREADS = 1;
/** Idle workers are stopped after this long. */
const IDLE_MS = 5000;
/** Spare batch buffers kept for reuse. */
const SPARE_BUFFERS = 4;

interface Pending {
  resolve: (reply: BatchReply) => void;
  reject: (err: unknown) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** The process's write workers. */
class WriteThreads {
  private readonly threads: Thread[] = [];
  private readonly spare: ArrayBuffer[] = [];
  private nextId = 1;
  private turn = 0;
  private idle: NodeJS.Timeout | undefined;
  private unavailable = false;

  /** Starts the workers ahead of use (their start-up overlaps other work). */
  warm(): void {
    if (this.unavailable) return;
    while (this.threads.length < THREADS) {
      const t = this.spawn();
      if (!t) return;
    }
    this.armIdle();
  }

  /** A buffer of at least `size` bytes for a batch. */
  buffer(size: number): ArrayBuffer {
    if (size <= BATCH_BYTES) return this.spare.pop() ?? new ArrayBuffer(BATCH_BYTES);
    return new ArrayBuffer(size);
  }

  /** Takes back a batch buffer for reuse. */
  recycle(buf: ArrayBuffer): void {
    if (buf.byteLength === BATCH_BYTES && this.spare.length < SPARE_BUFFERS) this.spare.push(buf);
  }

  /** Runs one batch on a worker (inline, or without workers: on this thread, soon); resolves with the reply. */
  run(ops: WriteOp[], data: ArrayBuffer, mode: WriteMode): Promise<BatchReply> {
    const t = mode === 'worker' ? this.pick() : undefined;
    if (!t) return new Promise((resolve) => setImmediate(() => resolve({ id: 0, failure: runBatch(ops, new Uint8Array(data)), data })));
    const id = this.nextId++;
    const msg: BatchMessage = { id, ops, data };
    return new Promise<BatchReply>((resolve, reject) => {
      t.pending.set(id, { resolve, reject });
      if (t.pending.size === 1) t.worker.ref();
      t.worker.postMessage(msg, [data]);
    });
  }

  private pick(): Thread | undefined {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    if (this.threads.length < THREADS && !this.unavailable) this.spawn();
    if (this.threads.length === 0) return undefined;
    // The least busy worker, round robin among equals.
    this.turn = (this.turn + 1) % this.threads.length;
    let best = this.threads[this.turn];
    for (const t of this.threads) if (t.pending.size < best.pending.size) best = t;
    return best;
  }

  private spawn(): Thread | undefined {
    let worker: Worker;
    try {
      const url = new URL('./write-worker.ts', import.meta.url).href;
      const cache = module.getCompileCacheDir?.();
      // The worker shares the process's compile cache, so that it does not load the TypeScript stripper.
      const boot = `${cache ? `require('node:module').enableCompileCache(${JSON.stringify(cache)});` : ''}import(${JSON.stringify(url)});`;
      worker = new Worker(boot, { eval: true });
    } catch {
      this.unavailable = true;
      return undefined;
    }
    const t: Thread = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: BatchReply) => {
      const p = t.pending.get(reply.id);
      if (!p) return;
      t.pending.delete(reply.id);
      if (t.pending.size === 0) {
        worker.unref();
        this.armIdle();
      }
      p.resolve(reply);
    });
    const fail = (err: unknown) => {
      const i = this.threads.indexOf(t);
      if (i >= 0) this.threads.splice(i, 1);
      for (const p of t.pending.values()) p.reject(err);
      t.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the write worker exited (code ${code})`)));
    this.threads.push(t);
    return t;
  }

  private armIdle(): void {
    if (this.idle || this.threads.some((t) => t.pending.size > 0)) return;
    this.idle = setTimeout(() => {
      this.idle = undefined;
      if (this.threads.some((t) => t.pending.size > 0)) return;
      for (const t of this.threads.splice(0)) void t.worker.terminate();
    }, IDLE_MS);
    this.idle.unref();
  }
}

const threads = new WriteThreads();

/** Starts the write workers ahead of an import, so that their start-up overlaps the manifest and first download. */
export function warmWriteThreads(): void {
  threads.warm();
}

interface Batch {
  ops: WriteOp[];
  entries: string[];
  rels: string[];
  data: ArrayBuffer;
  used: number;
  done: Promise<void>;
  settle: () => void;
}

/** Where the content of a reserved file goes in the current batch. */
export interface Reservation {
  view: Uint8Array;
  offset: number;
}

/** The batched small-entry writes of one layer. */
export class WriteBatches {
  /** The first failure of any write, once there is one. */
  failure: WriteFailure | undefined;
  private readonly mode: WriteMode;
  private current: Batch | undefined;
  private readonly byPath = new Map<string, Batch>();
  private readonly inFlight = new Set<Batch>();
  private readonly waiters: (() => void)[] = [];

  /** Batches of one layer, run as `mode` says. */
  constructor(mode: WriteMode) {
    this.mode = mode;
  }

  /** The pending write of `rel`, if any (a batch not yet sent is sent now). */
  waitFor(rel: string): Promise<void> | undefined {
    const b = this.byPath.get(rel);
    if (!b) return undefined;
    if (b === this.current) this.flush();
    return b.done;
  }

  /**
   * Room for `size` content bytes in the current batch, which the caller fills before calling
   * {@link add}; undefined when a new batch is needed and too many are in flight (wait for {@link room}).
   */
  reserve(size: number): Reservation | undefined {
    let b = this.current;
    if (b && (b.used + size > b.data.byteLength || b.ops.length >= BATCH_OPS)) {
      this.flush();
      b = undefined;
    }
    if (!b) {
      if (this.inFlight.size >= MAX_IN_FLIGHT) return undefined;
      b = this.open(size);
    }
    const offset = b.used;
    b.used += size;
    return { view: new Uint8Array(b.data, offset, size), offset };
  }

  /** Resolves when fewer batches are in flight than the limit. */
  async room(): Promise<void> {
    if (this.inFlight.size < MAX_IN_FLIGHT) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Queues a write of path `rel` (for entry `entry`) in the current batch, after {@link reserve}. */
  add(rel: string, entry: string, op: WriteOp): void {
    const b = this.current;
    if (!b) throw new Error('WriteBatches.add without a reservation');
    b.ops.push(op);
    b.entries.push(entry);
    b.rels.push(rel);
    this.byPath.set(rel, b);
    if (b.ops.length >= BATCH_OPS || b.used >= b.data.byteLength || (this.inFlight.size === 0 && b.ops.length >= EAGER_OPS)) this.flush();
  }

  /** Resolves when every write queued so far has finished (failures are kept in {@link failure}). */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight].map((b) => b.done));
  }

  private open(size: number): Batch {
    let settle = () => {};
    const done = new Promise<void>((resolve) => { settle = resolve; });
    const b: Batch = { ops: [], entries: [], rels: [], data: threads.buffer(size), used: 0, done, settle };
    this.current = b;
    return b;
  }

  private flush(): void {
    const b = this.current;
    if (!b) return;
    this.current = undefined;
    if (b.ops.length === 0) {
      threads.recycle(b.data);
      b.settle();
      return;
    }
    this.inFlight.add(b);
    const sent = threads.run(b.ops, b.data, this.mode);
    // The ops are the worker's now; only the names for messages and the paths to release stay here.
    b.ops = [];
    sent.then((reply) => {
      if (reply.failure) this.failure ??= { error: failureError(reply.failure), entry: b.entries[reply.failure.index] };
      threads.recycle(reply.data);
    }, (error: unknown) => {
      this.failure ??= { error, entry: b.entries[0] };
    }).finally(() => {
      this.inFlight.delete(b);
      for (const rel of b.rels) if (this.byPath.get(rel) === b) this.byPath.delete(rel);
      b.settle();
      this.waiters.shift()?.();
    });
  }
}
