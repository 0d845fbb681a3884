/**
 * COPY and ADD from the build context into the mounted root filesystem, as Docker does them:
 * sources relative to the context, a directory copies its contents, the destination is relative
 * to WORKDIR and is a directory when it ends in `/` or several sources are given, `--chown` is
 * resolved against the rootfs's own users, `--chmod` applies to every copied entry. Heredoc
 * sources (`COPY <<EOF /path`) write their text.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import type { BuildStep } from '../../domain/plan-types.ts';
import { resolveUser } from '../../oci/image-config/resolve-user.ts';
import { resolveInRootfs } from '../../oci/layers/rootfs-paths.ts';
import { REMOTE_SOURCE } from '../../context/match-sources.ts';
import type { ContextIndex, CopyItem } from './context-sources.ts';
import { ensureDir, makeDirEntry, makeSymlinkEntry, splitPath, writeFileFrom, type Owner } from './rootfs-writer.ts';

/** What a COPY step will write: its sources resolved against the context. */
export interface CopyPlan {
  dest: string;
  destIsDir: boolean;
  /** Per source: its items, or heredoc text. */
  sources: { name: string; items?: CopyItem[]; isDir?: boolean; text?: string }[];
}

/** Resolves a COPY/ADD step's sources; throws when one is missing or remote. */
export function planCopy(step: BuildStep, workdir: string, context: ContextIndex | undefined): CopyPlan {
  if (step.from) throw new KilnError('unsupported_instruction', `${step.instruction} --from (line ${step.line}) needs a multi-stage build: build this Dockerfile with the buildkit backend.`, { phase: 'step' });
  const args = step.args;
  if (args.length < 2) throw new KilnError('step_failed', `${step.instruction} (line ${step.line}) needs a source and a destination.`, { phase: 'step' });
  const rawDest = args[args.length - 1];
  const dest = path.posix.resolve(workdir || '/', rawDest);
  const sources = args.slice(0, -1).map((name) => {
    const heredoc = step.flags?.[`heredoc:${name}`];
    if (heredoc !== undefined) return { name, text: heredoc };
    if (REMOTE_SOURCE.test(name)) throw new KilnError('unsupported_instruction', `${step.instruction} of a URL (line ${step.line}) is not supported by the native backend: download it in a run step, or use the buildkit backend.`, { phase: 'step' });
    if (!context) throw new KilnError('context_source_missing', `${step.instruction} source ${JSON.stringify(name)} (line ${step.line}) needs a build context, and the build has none.`, { phase: 'step' });
    const { items, isDir } = context.expand(name, step.line);
    return { name, items, isDir };
  });
  const destIsDir = rawDest.endsWith('/') || sources.length > 1 || sources.some((s) => s.isDir);
  return { dest, destIsDir, sources };
}

/** Context files a copy reads, as `path mode sha256` lines: the step's cache key covers their content. */
export function copyDigestInput(plan: CopyPlan): string[] {
  return plan.sources.flatMap((s) => s.text !== undefined
    ? [`heredoc ${s.name} ${s.text}`]
    : (s.items ?? []).map((i) => `${i.rel} ${i.file.type} ${i.file.mode.toString(8)} ${i.file.sha256 ?? i.file.target ?? ''}`));
}

/** Writes a planned copy into `rootfs`; `blobPath` gives a context file's stored content. */
export async function runCopy(rootfs: string, plan: CopyPlan, flags: Record<string, string> | undefined, blobPath: (sha256: string) => string): Promise<number> {
  const owner: Owner = flags?.chown ? await resolveUser(rootfs, flags.chown) : { uid: 0, gid: 0 };
  const chmod = flags?.chmod !== undefined ? parseInt(flags.chmod, 8) : undefined;
  if (chmod !== undefined && (!/^[0-7]{3,4}$/.test(flags?.chmod ?? '') || Number.isNaN(chmod))) {
    throw new KilnError('step_failed', `--chmod=${flags?.chmod} is not an octal mode such as 755.`, { phase: 'step' });
  }
  let written = 0;
  const root = { uid: 0, gid: 0 };
  for (const source of plan.sources) {
    // A single file to a path that is not a directory lands at that path; otherwise inside it.
    let dirAbs = plan.dest;
    let fileName: string | undefined;
    if (!plan.destIsDir) {
      const existing = await resolveInRootfs(rootfs, plan.dest);
      if (existing === null || !(await isDir(rootfs, existing))) ({ parent: dirAbs, name: fileName } = splitPath(plan.dest));
    }
    const dirReal = await ensureDir(rootfs, dirAbs, root);
    if (source.text !== undefined) {
      await writeFileFrom(rootfs, dirReal, fileName ?? source.name, Buffer.from(source.text), chmod ?? 0o644, owner);
      written++;
      continue;
    }
    for (const item of source.items ?? []) {
      const relName = item.rel === '' ? (fileName ?? path.posix.basename(item.file.path)) : item.rel;
      const { parent, name } = splitPath(relName);
      const parentReal = parent === '/' ? dirReal : await ensureDir(rootfs, path.posix.join(`/${dirReal}`, parent), owner);
      const mode = chmod ?? item.file.mode;
      if (item.file.type === 'dir') await makeDirEntry(rootfs, parentReal, name, mode, owner);
      else if (item.file.type === 'symlink') await makeSymlinkEntry(rootfs, parentReal, name, item.file.target ?? '', owner);
      else await writeFileFrom(rootfs, parentReal, name, blobPath(item.file.sha256 ?? ''), mode, owner);
      written++;
    }
  }
  return written;
}

async function isDir(rootfs: string, real: string): Promise<boolean> {
  return (await lstat(path.join(rootfs, real))).isDirectory();
}
