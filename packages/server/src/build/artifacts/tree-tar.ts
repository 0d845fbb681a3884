/**
 * A directory tree as a tar stream, for downloading a root filesystem: directories before their
 * contents in name order, regular files with their data, symlinks with their targets, a second
 * path of a hard-linked file as a link to the first, device nodes and FIFOs as such (sockets are
 * left out), each with its mode, owner and mtime. Names are relative (`bin/sh`, `etc/`).
 */
import { once } from 'node:events';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar, { type Header, type Pack } from 'tar-stream';

type EntryHeader = Partial<Header> & { name: string };

/** Major and minor device numbers of a Linux `st_rdev`. */
export function deviceNumbers(rdev: number): { devmajor: number; devminor: number } {
  const high = Math.floor(rdev / 2 ** 32);
  const low = rdev >>> 0;
  return { devmajor: ((low >>> 8) & 0xfff) | (high & ~0xfff), devminor: (low & 0xff) | ((low >>> 12) & ~0xff) };
}

/** Writes the data of `file` into an entry's sink, honouring back-pressure. */
async function feed(sink: ReturnType<Pack['entry']>, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) {
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  sink.end(undefined);
}

/** Writes one entry, with the file at `file` as its data when given. */
function put(pack: Pack, header: EntryHeader, file?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (file) feed(sink, file).catch((err: Error) => { sink.destroy(err); reject(err); });
    else if (header.type === 'file') sink.end(undefined);
  });
}

/** The header of one path, or undefined for what a tar cannot hold (sockets). */
function headerFor(name: string, st: Stats): EntryHeader | undefined {
  const base = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isDirectory()) return { ...base, name: `${name}/`, type: 'directory' };
  if (st.isFile()) return { ...base, type: 'file', size: st.size };
  if (st.isCharacterDevice()) return { ...base, type: 'character-device', ...deviceNumbers(st.rdev) };
  if (st.isBlockDevice()) return { ...base, type: 'block-device', ...deviceNumbers(st.rdev) };
  if (st.isFIFO()) return { ...base, type: 'fifo' };
  return undefined;
}

/** Streams the tree at `root` as an uncompressed tar; destroying the stream stops the walk. */
export function packTree(root: string): Readable {
  const pack = tar.pack();
  const out = Readable.from(pack);
  let stopped = false;
  out.once('close', () => { stopped = true; });
  const links = new Map<string, string>();

  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      if (stopped) return;
      const full = path.join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const st = await lstat(full);
      if (st.isSymbolicLink()) {
        await put(pack, { name: rel, type: 'symlink', linkname: await readlink(full), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime });
        continue;
      }
      if (st.isFile() && st.nlink > 1) {
        const id = `${st.dev}:${st.ino}`;
        const first = links.get(id);
        if (first) {
          await put(pack, { name: rel, type: 'link', linkname: first, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime });
          continue;
        }
        links.set(id, rel);
      }
      const header = headerFor(rel, st);
      if (!header) continue;
      await put(pack, header, header.type === 'file' && st.size > 0 ? full : undefined);
      if (st.isDirectory()) await walk(full, rel);
    }
  };
  walk(root, '').then(() => pack.finalize(), (err: Error) => pack.destroy(err));
  return out;
}
