/**
 * Writes a stored build context (its manifest and the blob store's content) into an empty
 * directory for the Dockerfile engine to read. Paths are checked again here: none may leave the
 * directory, none may pass through a symlink of the context, files are created exclusively
 * without following links, and symlinks are made last, so no write can land outside.
 */
import { constants, copyFile, mkdir, readdir, symlink, chmod } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import type { ContextFile } from '../../store/store.ts';
import { linkTargetPath, normalizeEntryPath } from '../../context/context-paths.ts';

/** Where file contents come from: the blob store's path of a sha256 hex digest. */
export type BlobPath = (sha256: string) => string;

/** What was written. */
export interface MaterializedContext {
  files: number;
  bytes: number;
}

function refuse(file: string, why: string): KilnError {
  return new KilnError('invalid_context', `The build context entry ${JSON.stringify(file)} ${why}; upload the context again.`, { phase: 'preparing' });
}

/** Writes `files` into `dir`, which must be empty or missing. */
export async function materializeContext(files: ContextFile[], dir: string, blobPath: BlobPath, signal?: AbortSignal): Promise<MaterializedContext> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if ((await readdir(dir)).length > 0) throw new KilnError('internal_error', `The context directory ${dir} is not empty.`, { phase: 'preparing' });
  const links = new Set(files.filter((f) => f.type === 'symlink').map((f) => f.path));
  const clean = files.map((f) => {
    const p = normalizeEntryPath(f.path);
    if (!p.ok || p.path === '' || p.path !== f.path) throw refuse(f.path, p.ok ? 'is not a normalised path' : p.reason);
    const parts = p.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (links.has(parts.slice(0, i).join('/'))) throw refuse(f.path, 'lies below a symlink of the context');
    }
    if (f.type === 'symlink') {
      const target = linkTargetPath(f.path, f.target ?? '');
      if (!target.ok) throw refuse(f.path, target.reason);
    }
    return f;
  }).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  let bytes = 0;
  let count = 0;
  for (const f of clean) {
    if (f.type === 'symlink') continue;
    signal?.throwIfAborted();
    const dest = path.join(dir, f.path);
    await mkdir(path.dirname(dest), { recursive: true, mode: 0o755 });
    if (f.type === 'dir') {
      await mkdir(dest, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
      await chmod(dest, f.mode & 0o7777);
      continue;
    }
    if (!f.sha256) throw refuse(f.path, 'has no content digest');
    await copyFile(blobPath(f.sha256), dest, constants.COPYFILE_EXCL);
    await chmod(dest, f.mode & 0o7777);
    bytes += f.size;
    count++;
  }
  for (const f of clean) {
    if (f.type !== 'symlink') continue;
    await mkdir(path.dirname(path.join(dir, f.path)), { recursive: true, mode: 0o755 });
    await symlink(f.target!, path.join(dir, f.path));
    count++;
  }
  return { files: count, bytes };
}
