/**
 * The metadata of one layer entry, taken from its tar header and PAX records: permission bits,
 * owner, times and the number of extended attributes it carries.
 */
import type { Header } from 'tar-stream';

/** What Kiln applies from a header besides the entry's type, name and content. */
export interface EntryMeta {
  /** Permission bits including setuid, setgid and sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in seconds since the epoch (fractional from PAX). */
  mtime: number;
  /** Access time in seconds: the PAX atime when later than mtime, else mtime (as Docker sets it). */
  atime: number;
  /** PAX `SCHILY.xattr.*` / `LIBARCHIVE.xattr.*` records on the entry. */
  xattrs: number;
}

const MAX_ID = 2 ** 32 - 2;

function paxNumber(pax: Record<string, string> | null | undefined, key: string): number | undefined {
  const raw = pax?.[key];
  if (raw === undefined) return undefined;
  return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
}

/** Reads an entry's metadata; returns a sentence saying what is wrong when a field is unusable. */
export function entryMeta(h: Header): EntryMeta | string {
  const pax = (h.pax ?? null) as Record<string, string> | null;
  const uid = paxNumber(pax, 'uid') ?? h.uid;
  const gid = paxNumber(pax, 'gid') ?? h.gid;
  if (!Number.isInteger(uid) || uid < 0 || uid > MAX_ID) return 'has an invalid owner uid';
  if (!Number.isInteger(gid) || gid < 0 || gid > MAX_ID) return 'has an invalid owner gid';
  const mode = h.mode;
  if (!Number.isInteger(mode) || mode < 0) return 'has an invalid mode';
  const mtime = paxNumber(pax, 'mtime') ?? h.mtime.getTime() / 1000;
  if (!Number.isFinite(mtime)) return 'has an invalid modification time';
  const paxAtime = paxNumber(pax, 'atime');
  const atime = paxAtime !== undefined && Number.isFinite(paxAtime) && paxAtime > mtime ? paxAtime : mtime;
  let xattrs = 0;
  if (pax) {
    for (const key of Object.keys(pax)) {
      if (key.startsWith('SCHILY.xattr.') || key.startsWith('LIBARCHIVE.xattr.')) xattrs++;
    }
  }
  return { mode: mode & 0o7777, uid, gid, mtime, atime, xattrs };
}
