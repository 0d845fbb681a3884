/**
 * Inline build contexts: small files given in the build request body as
 * `build_context.files: [{path, content, encoding?, mode?}]`, validated strictly and taken in
 * through the same tree, `.dockerignore` handling and digest as uploaded archives.
 */
import { createHash } from 'node:crypto';
import { KilnError, problem, type Problem } from '../errors/errors.ts';
import type { BlobStore } from './blob-store.ts';
import { DEFAULT_INLINE_CONTEXT_LIMITS, type InlineContextLimits } from './context-limits.ts';
import { normalizeEntryPath } from './context-paths.ts';
import { ContextTree } from './context-tree.ts';
import { finishContext, type ContentSink, type IngestedContext } from './ingested-context.ts';

/** What {@link ingestInlineFiles} needs. */
export interface InlineContextOptions {
  blobs: BlobStore;
  /** Whether to store the contents in the blob store (default true); false only computes the digest. */
  persist?: boolean;
  limits?: InlineContextLimits;
}

/** The outcome: every problem found, or the context. */
export interface InlineContextResult {
  problems: Problem[];
  context?: IngestedContext;
}

interface InlineFile {
  names: string[];
  content: Buffer;
  mode: number;
  field: string;
}

const FIELDS = new Set(['path', 'content', 'encoding', 'mode']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DEFAULT_MODE = 0o644;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(message: string, field: string): Problem {
  return problem('invalid_context', message, 'context', { field });
}

/** Validates one `build_context.files[i]`, adding its problems; returns the file when it is good. */
function checkFile(item: unknown, field: string, problems: Problem[]): InlineFile | undefined {
  if (!isRecord(item)) {
    problems.push(bad(`${field} must be an object {path, content, encoding?, mode?}.`, field));
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(item)) {
    if (!FIELDS.has(key)) problems.push(bad(`${field}.${key} is not a known field; use path, content, encoding and mode.`, `${field}.${key}`));
  }
  let names: string[] = [];
  const path = item.path;
  if (typeof path !== 'string' || path === '') {
    problems.push(bad(`${field}.path must be a non-empty string.`, `${field}.path`));
  } else {
    const normal = normalizeEntryPath(path);
    if (!normal.ok) problems.push(bad(`${field}.path ${JSON.stringify(path)} ${normal.reason}; paths are relative to the context root and stay inside it.`, `${field}.path`));
    else if (normal.path === '') problems.push(bad(`${field}.path ${JSON.stringify(path)} names the context root, not a file.`, `${field}.path`));
    else names = normal.path.split('/');
  }
  const encoding = item.encoding ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'base64') {
    problems.push(bad(`${field}.encoding must be "utf8" or "base64".`, `${field}.encoding`));
  }
  let content: Buffer | undefined;
  if (typeof item.content !== 'string') {
    problems.push(bad(`${field}.content must be a string.`, `${field}.content`));
  } else if (encoding === 'base64') {
    if (BASE64.test(item.content)) content = Buffer.from(item.content, 'base64');
    else problems.push(bad(`${field}.content is not valid base64.`, `${field}.content`));
  } else if (encoding === 'utf8') {
    content = Buffer.from(item.content, 'utf8');
  }
  const mode = item.mode ?? DEFAULT_MODE;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    problems.push(bad(`${field}.mode must be an integer permission mode from 0 to 4095 (0o7777).`, `${field}.mode`));
  }
  if (problems.length > before || !content) return undefined;
  return { names, content, mode: mode as number, field };
}

/** Finds duplicate paths and paths that would lie below another file. */
function checkPaths(files: InlineFile[], problems: Problem[]): void {
  const byPath = new Map<string, InlineFile>();
  for (const file of files) {
    const path = file.names.join('/');
    const earlier = byPath.get(path);
    if (earlier) problems.push(bad(`${file.field}.path ${JSON.stringify(path)} is the same path as ${earlier.field}.path.`, `${file.field}.path`));
    else byPath.set(path, file);
  }
  for (const file of files) {
    for (let i = 1; i < file.names.length; i++) {
      const parent = byPath.get(file.names.slice(0, i).join('/'));
      if (parent) {
        problems.push(bad(`${file.field}.path lies below ${JSON.stringify(parent.names.join('/'))}, which ${parent.field} makes a file.`, `${file.field}.path`));
        break;
      }
    }
  }
}

/** Validates `build_context.files` and returns the inline files, or the problems found. */
function validate(files: unknown, limits: InlineContextLimits): { problems: Problem[]; files: InlineFile[] } {
  const problems: Problem[] = [];
  if (!Array.isArray(files)) {
    return { problems: [bad('build_context.files must be an array of {path, content, encoding?, mode?}.', 'build_context.files')], files: [] };
  }
  if (files.length > limits.maxFiles) {
    return { problems: [bad(`build_context.files has ${files.length} files; at most ${limits.maxFiles} may be given inline (upload an archive for more).`, 'build_context.files')], files: [] };
  }
  const good: InlineFile[] = [];
  files.forEach((item, i) => {
    const file = checkFile(item, `build_context.files[${i}]`, problems);
    if (file) good.push(file);
  });
  const total = good.reduce((sum, f) => sum + f.content.byteLength, 0);
  if (total > limits.maxTotalBytes) {
    problems.push(bad(`build_context.files hold ${total} bytes; at most ${limits.maxTotalBytes} bytes may be given inline (upload an archive for more).`, 'build_context.files'));
  }
  checkPaths(good, problems);
  return { problems, files: good };
}

/**
 * Validates inline context files (`build_context.files`) and takes them in like an archive:
 * returns every problem (code `invalid_context`, field `build_context.files[i]…`), or the context;
 * with `persist` (the default) the contents are stored in the blob store.
 */
export async function ingestInlineFiles(files: unknown, opts: InlineContextOptions): Promise<InlineContextResult> {
  const limits = opts.limits ?? DEFAULT_INLINE_CONTEXT_LIMITS;
  const checked = validate(files, limits);
  if (checked.problems.length > 0) return { problems: checked.problems };
  const persist = opts.persist ?? true;
  const contents = new Map<string, Buffer>();
  const tree = new ContextTree(Number.MAX_SAFE_INTEGER);
  const batch = persist ? await opts.blobs.begin() : undefined;
  try {
    for (const file of checked.files) {
      const sha256 = createHash('sha256').update(file.content).digest('hex');
      if (batch && !contents.has(sha256)) {
        const writer = await batch.stage();
        await writer.write(file.content);
        await writer.finish();
      }
      contents.set(sha256, file.content);
      tree.put(file.names, { type: 'file', mode: file.mode, size: file.content.byteLength, sha256 });
    }
    const sink: ContentSink = {
      read: async (sha256) => contents.get(sha256) ?? Buffer.alloc(0),
      commit: async (keep) => { if (batch) await batch.commit(keep); },
    };
    return { problems: [], context: await finishContext(tree, sink) };
  } catch (err) {
    await batch?.discard();
    if (err instanceof KilnError) {
      return { problems: [problem(err.code, err.message, 'context', { field: 'build_context.files' })] };
    }
    throw err;
  }
}
