/**
 * Test fixtures for the layer applier: a temporary directory holding a root filesystem and canary
 * paths outside it, a packer for entries that need a gid or PAX records, a helper that applies a
 * tar buffer, and a listing of a tree that never follows symlinks.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';
import { chunked } from '../../context/archive-fixtures.ts';
import type { LayerCompression } from '../oci-types.ts';
import { applyLayer, type ApplyBudget, type ApplyStats, type LayerLimits } from './apply-layer.ts';
import type { WriteMode } from './write-batches.ts';

/** A root filesystem in a temporary directory, with canaries beside it. */
export interface TempRootfs {
  dir: string;
  rootfs: string;
  /** A path outside the root that must stay absent. */
  canary: string;
  /** A file outside the root whose content must stay {@link CANARY_TEXT}. */
  canaryFile: string;
  /** Applies a layer (uncompressed unless `compression` says otherwise) with generous limits by default. */
  apply(layer: Buffer, opts?: { compression?: LayerCompression; limits?: LayerLimits; budget?: ApplyBudget; chunk?: number; writes?: WriteMode }): Promise<ApplyStats>;
  /** Whether the canaries are as they were (content, mode, owner, mtime, and nothing new beside the root). */
  canariesIntact(): Promise<boolean>;
  cleanup(): Promise<void>;
}

/** The content of {@link TempRootfs.canaryFile}. */
export const CANARY_TEXT = 'canary: must never change\n';

/** Limits far above anything a test writes. */
export const GENEROUS: LayerLimits = { maxLayerBytes: 1 << 30, maxImageBytes: 1 << 30 };

/** Compresses a tar buffer as declared. */
export function compress(bytes: Buffer, compression: LayerCompression): Buffer {
  if (compression === 'gzip') return gzipSync(bytes);
  if (compression === 'zstd') return zstdCompressSync(bytes);
  return bytes;
}

/** Creates a {@link TempRootfs}; `defaults.writes` is where its `apply` writes small entries unless told. */
export async function tempRootfs(defaults: { writes?: WriteMode } = {}): Promise<TempRootfs> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-layer-'));
  const rootfs = join(dir, 'rootfs');
  await mkdir(rootfs);
  const canaryFile = join(dir, 'canary.txt');
  await writeFile(canaryFile, CANARY_TEXT);
  const canary = join(dir, 'outside');
  const before = await lstat(canaryFile);
  const stamp = (st: { mode: number; uid: number; gid: number; mtimeMs: number }) => `${st.mode}:${st.uid}:${st.gid}:${st.mtimeMs}`;
  const dirStamp = stamp(await lstat(dir));
  return {
    dir, rootfs, canary, canaryFile,
    apply: (layer, opts = {}) => {
      const compression = opts.compression ?? 'none';
      return applyLayer(chunked(compress(layer, compression), opts.chunk ?? 4096), {
        rootfs, compression, limits: opts.limits ?? GENEROUS, budget: opts.budget ?? { remainingImageBytes: GENEROUS.maxImageBytes }, layerDigest: 'sha256:test', writes: opts.writes ?? defaults.writes,
      });
    },
    canariesIntact: async () => {
      const absent = await lstat(canary).then(() => false, () => true);
      const text = await readFile(canaryFile, 'utf8').catch(() => '');
      const siblings = (await readdir(dir)).sort().join(',');
      const same = stamp(await lstat(canaryFile)) === stamp(before) && stamp(await lstat(dir)) === dirStamp;
      return absent && text === CANARY_TEXT && siblings === 'canary.txt,rootfs' && same;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A full tar-stream header, for entries that need a gid, PAX records or other fields packTar does not set. */
export type PaxEntry = Partial<Header> & { name: string; content?: string | Buffer; pax?: Record<string, string> };

/** Packs entries with every header field given (defaults: a root-owned 0644 file). */
export async function packPax(entries: PaxEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const { content, ...e } of entries) {
    const type = e.type ?? 'file';
    const body = content === undefined ? Buffer.alloc(0) : Buffer.from(content);
    const header = {
      uid: 0, gid: 0, mtime: new Date(1_700_000_000_000), mode: type === 'directory' ? 0o755 : 0o644, ...e, type,
      size: type === 'file' ? body.byteLength : 0,
    };
    await new Promise<void>((resolve, reject) => pack.entry(header as Header, body, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** One line per path under `root` (never following symlinks): type, mode, owner, content (a hash past 40 bytes) or link target. */
export async function describeTree(root: string, withTimes = false): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(root, path));
      const mode = (st.mode & 0o7777).toString(8);
      const time = withTimes ? ` t=${Math.floor(st.mtimeMs / 1000)}` : '';
      if (st.isDirectory()) {
        out.push(`d ${path} ${mode} ${st.uid}:${st.gid}${time}`);
        await walk(path);
      } else if (st.isSymbolicLink()) {
        out.push(`l ${path} -> ${await readlink(join(root, path))} ${st.uid}:${st.gid}${time}`);
      } else {
        const body = await readFile(join(root, path));
        const shown = body.byteLength <= 40 ? JSON.stringify(body.toString('utf8')) : createHash('sha256').update(body).digest('hex').slice(0, 12);
        out.push(`f ${path} ${mode} ${st.uid}:${st.gid} ${shown} n${st.nlink}${time}`);
      }
    }
  };
  await walk('');
  return out;
}

/** Where small entries can be written: each layer test that guards the jail runs with both. */
export const WRITE_MODES: readonly WriteMode[] = ['worker', 'inline'];

/** Runs `fn` on a fresh temporary root filesystem, asserts nothing outside it changed, and removes it. */
export async function withRootfs(fn: (r: TempRootfs) => Promise<void>, defaults: { writes?: WriteMode } = {}): Promise<void> {
  const r = await tempRootfs(defaults);
  try {
    await fn(r);
    assert.ok(await r.canariesIntact(), 'nothing outside the root filesystem changed');
  } finally {
    await r.cleanup();
  }
}
