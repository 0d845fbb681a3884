/**
 * The manifest of a context bundle (`manifest.json`): `{files: [{path, type, mode?, size?, sha256?,
 * target?}]}`, the context's entries with their content named by digest. Checked strictly; every
 * problem is reported at once with the field it is in (`files[3].sha256`).
 */
import { problem, type Problem } from '../errors/errors.ts';
import type { ContextFile } from '../store/store.ts';
import type { ContextLimits } from './context-limits.ts';
import { linkTargetPath, normalizeEntryPath } from './context-paths.ts';

/** One checked manifest entry: its normalised path and what the context tree stores for it. */
export interface ManifestEntry {
  /** Position in `files`, for messages. */
  index: number;
  /** The normalised path (never the root). */
  path: string;
  entry: Omit<ContextFile, 'path'>;
}

/** The outcome of reading a manifest: every problem, or the entries sorted by path. */
export interface ManifestResult {
  problems: Problem[];
  entries: ManifestEntry[];
}

const FIELDS = new Set(['path', 'type', 'mode', 'size', 'sha256', 'target']);
const DIGEST_HEX = /^[0-9a-f]{64}$/;
const DEFAULT_MODE = { file: 0o644, dir: 0o755, symlink: 0o777 } as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(message: string, field: string): Problem {
  return problem('invalid_context', message, 'context', { field });
}

/** Checks one `files[i]`; returns its entry when it is good. */
function checkEntry(item: unknown, index: number, limits: ContextLimits, problems: Problem[]): ManifestEntry | undefined {
  const field = `files[${index}]`;
  if (!isRecord(item)) {
    problems.push(bad(`${field} must be an object {path, type, mode?, size?, sha256?, target?}.`, field));
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(item)) {
    if (!FIELDS.has(key)) problems.push(bad(`${field}.${key} is not a known field; use path, type, mode, size, sha256 and target.`, `${field}.${key}`));
  }
  let path = '';
  if (typeof item.path !== 'string' || item.path === '') {
    problems.push(bad(`${field}.path must be a non-empty string.`, `${field}.path`));
  } else {
    const normal = normalizeEntryPath(item.path);
    if (!normal.ok) problems.push(bad(`${field}.path ${JSON.stringify(item.path)} ${normal.reason}; paths are relative to the context root and stay inside it.`, `${field}.path`));
    else if (normal.path === '') problems.push(bad(`${field}.path ${JSON.stringify(item.path)} names the context root.`, `${field}.path`));
    else path = normal.path;
  }
  const type = item.type;
  if (type !== 'file' && type !== 'dir' && type !== 'symlink') {
    problems.push(bad(`${field}.type must be "file", "dir" or "symlink".`, `${field}.type`));
    return undefined;
  }
  const mode = item.mode ?? DEFAULT_MODE[type];
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    problems.push(bad(`${field}.mode must be an integer permission mode from 0 to 4095 (0o7777).`, `${field}.mode`));
  }
  const size = item.size ?? 0;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    problems.push(bad(`${field}.size must be a non-negative integer.`, `${field}.size`));
  } else if (size > limits.maxFileBytes) {
    problems.push(bad(`${field}.size is ${size} bytes; the limit for one file is ${limits.maxFileBytes} bytes.`, `${field}.size`));
  }
  if (type === 'file') {
    if (item.size === undefined) problems.push(bad(`${field}.size is required for a file.`, `${field}.size`));
    if (typeof item.sha256 !== 'string' || !DIGEST_HEX.test(item.sha256)) {
      problems.push(bad(`${field}.sha256 must be the file content's sha256 as 64 lowercase hex digits.`, `${field}.sha256`));
    }
  } else {
    if (item.sha256 !== undefined) problems.push(bad(`${field}.sha256 is only for files.`, `${field}.sha256`));
    if (size !== 0) problems.push(bad(`${field}.size must be 0 (or absent) for a ${type}.`, `${field}.size`));
  }
  if (type === 'symlink') {
    if (typeof item.target !== 'string') {
      problems.push(bad(`${field}.target is required for a symlink.`, `${field}.target`));
    } else if (path !== '') {
      const checked = linkTargetPath(path, item.target);
      if (!checked.ok) problems.push(problem(checked.escape ? 'archive_path_escape' : 'invalid_context', `${field} is a symlink that ${checked.reason}.`, 'context', { field: `${field}.target` }));
    }
  } else if (item.target !== undefined) {
    problems.push(bad(`${field}.target is only for symlinks.`, `${field}.target`));
  }
  if (problems.length > before) return undefined;
  const entry: Omit<ContextFile, 'path'> = { type, mode: mode as number, size: size as number };
  if (type === 'file') entry.sha256 = item.sha256 as string;
  if (type === 'symlink') entry.target = item.target as string;
  return { index, path, entry };
}

/**
 * Reads a parsed `manifest.json`: checks its shape, every entry, duplicate paths and the
 * count and size limits; the entries come back sorted by path (parents before children).
 */
export function readManifest(doc: unknown, limits: ContextLimits): ManifestResult {
  if (!isRecord(doc) || !Array.isArray(doc.files)) {
    return { problems: [bad('manifest.json must be a JSON object {"files": [...]}.', 'files')], entries: [] };
  }
  const extra = Object.keys(doc).filter((k) => k !== 'files');
  if (extra.length) return { problems: extra.map((k) => bad(`${k} is not a manifest field; the manifest has only files.`, k)), entries: [] };
  const files = doc.files as unknown[];
  if (files.length > limits.maxFiles) {
    return { problems: [bad(`The manifest lists ${files.length} entries; the limit is ${limits.maxFiles}.`, 'files')], entries: [] };
  }
  const problems: Problem[] = [];
  const entries: ManifestEntry[] = [];
  files.forEach((item, i) => {
    const e = checkEntry(item, i, limits, problems);
    if (e) entries.push(e);
  });
  const seen = new Map<string, number>();
  let total = 0;
  for (const e of entries) {
    const earlier = seen.get(e.path);
    if (earlier !== undefined) problems.push(bad(`files[${e.index}].path ${JSON.stringify(e.path)} is the same path as files[${earlier}].path.`, `files[${e.index}].path`));
    else seen.set(e.path, e.index);
    total += e.entry.size;
  }
  if (total > limits.maxTotalBytes) problems.push(bad(`The manifest's files hold ${total} bytes; the limit is ${limits.maxTotalBytes} bytes.`, 'files'));
  const keyed = entries.map((e) => ({ key: Buffer.from(e.path), e }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return { problems, entries: keyed.map((k) => k.e) };
}
