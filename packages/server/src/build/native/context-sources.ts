/**
 * Which context entries a COPY/ADD source names, the way Docker resolves them: relative to the
 * context root, a directory stands for its contents, wildcards match per path segment (Go
 * `filepath.Match`), and a symlink named as a source is followed inside the context.
 */
import { KilnError } from '../../errors/errors.ts';
import { goMatch, hasWildcard } from '../../context/go-path.ts';
import { sourceSegments } from '../../context/match-sources.ts';
import type { ContextFile } from '../../store/store.ts';

/** One context entry to copy, with the path it lands at below the destination. */
export interface CopyItem {
  file: ContextFile;
  /** Path relative to the destination directory (or '' when the destination is the file itself). */
  rel: string;
}

const MAX_LINK_HOPS = 40;

/** An index of a context's entries by path. */
export class ContextIndex {
  private readonly byPath = new Map<string, ContextFile>();
  private readonly files: ContextFile[];

  constructor(files: ContextFile[]) {
    this.files = files;
    for (const f of files) this.byPath.set(f.path, f);
  }

  /** Everything `source` names, as items relative to what the destination receives. */
  expand(source: string, line: number): { items: CopyItem[]; isDir: boolean } {
    const segs = sourceSegments(source);
    if (!segs) throw new KilnError('context_source_missing', `COPY source ${JSON.stringify(source)} (line ${line}) leaves the build context.`, { phase: 'step' });
    if (segs.some(hasWildcard)) {
      const matched = this.files.filter((f) => {
        const parts = f.path.split('/');
        return parts.length === segs.length && parts.every((p, i) => goMatch(segs[i], p));
      });
      if (matched.length === 0) throw new KilnError('context_source_missing', `COPY source ${JSON.stringify(source)} (line ${line}) matches nothing in the build context.`, { phase: 'step' });
      return { items: matched.flatMap((f) => this.itemsOf(f.path, f.path.split('/').pop() ?? f.path, line)), isDir: true };
    }
    const resolved = this.follow(segs.join('/'), line);
    if (resolved === '' || this.isDir(resolved)) return { items: this.contentsOf(resolved), isDir: true };
    const file = this.byPath.get(resolved);
    if (!file) throw new KilnError('context_source_missing', `COPY source ${JSON.stringify(source)} (line ${line}) is not in the build context.`, { phase: 'step' });
    return { items: [{ file, rel: '' }], isDir: false };
  }

  /** The items of one matched path: a file as itself (named `name`), a directory as its contents (as Docker copies them). */
  private itemsOf(p: string, name: string, line: number): CopyItem[] {
    const real = this.follow(p, line);
    if (this.isDir(real)) return this.contentsOf(real);
    const file = this.byPath.get(real);
    return file ? [{ file, rel: name }] : [];
  }

  private isDir(p: string): boolean {
    const f = this.byPath.get(p);
    if (f) return f.type === 'dir';
    const prefix = `${p}/`;
    return this.files.some((x) => x.path.startsWith(prefix));
  }

  /** Everything below directory `p` ('' is the root), relative to it, parents before children. */
  private contentsOf(p: string): CopyItem[] {
    const prefix = p === '' ? '' : `${p}/`;
    return this.files
      .filter((f) => f.path !== p && f.path.startsWith(prefix) && f.path !== '')
      .map((f) => ({ file: f, rel: f.path.slice(prefix.length) }))
      .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  }

  /** Follows symlinks on `p` (every component) inside the context. */
  private follow(p: string, line: number): string {
    let cur = p;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const parts = cur.split('/');
      let changed = false;
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        const f = this.byPath.get(prefix);
        if (f?.type === 'symlink' && f.target !== undefined) {
          const base = parts.slice(0, i - 1).join('/');
          const next = sourceSegments(f.target.startsWith('/') ? f.target : `${base}/${f.target}`);
          if (!next) throw new KilnError('context_source_missing', `COPY source ${JSON.stringify(p)} (line ${line}) leads outside the build context through the symlink ${prefix}.`, { phase: 'step' });
          cur = [...next, ...parts.slice(i)].join('/');
          changed = true;
          break;
        }
      }
      if (!changed) return cur;
    }
    throw new KilnError('context_source_missing', `COPY source ${JSON.stringify(p)} (line ${line}) has a symlink loop.`, { phase: 'step' });
  }
}
