/**
 * Turns whatever stopped a layer (a decoder or tar framing error, a file-system error while
 * applying an entry) into a KilnError that names the layer and the entry.
 */
import { KilnError } from '../../errors/errors.ts';

/** Error codes that mean the layer's own content cannot be applied (as opposed to a host failure). */
const LAYER_FAULTS = new Set([
  'ENOTDIR', 'EISDIR', 'EEXIST', 'ENOTEMPTY', 'ELOOP', 'ENAMETOOLONG', 'EINVAL', 'EPERM', 'ENOENT', 'EMLINK',
  'EBADLAYER', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_TYPE',
]);

const FRIENDLY: [RegExp, string][] = [
  [/Invalid tar header|unknown format/i, 'it is not a tar stream (a header is corrupt)'],
  [/Unexpected end of data/i, 'the tar stream is truncated'],
  [/unexpected end of file/i, 'the compressed data is truncated'],
  [/incorrect header check|invalid (block type|distance|code|stored block|literal)|too far back|header crc|incorrect (data|length) check|unknown compression/i, 'the gzip data is corrupt'],
  [/zstd|frame|Corrupted block|Unknown frame descriptor|Restored data doesn't match checksum/i, 'the zstd data is corrupt'],
  [/Header exceeds max size/i, 'a long-name or PAX header is too large'],
  [/Invalid header/i, 'an entry header is corrupt'],
  [/Stream was destroyed/i, 'the tar stream is corrupt or truncated'],
];

/** A path quoted for a message, shortened in the middle when it is very long. */
export function quotePath(path: string): string {
  const text = JSON.stringify(path);
  return text.length <= 240 ? text : `${text.slice(0, 120)}…${text.slice(-100)}`;
}

/** `Layer sha256:…` or `A layer`, to start a message. */
export function layerName(layerDigest: string | undefined): string {
  return layerDigest === undefined ? 'A layer' : `Layer ${layerDigest}`;
}

/** An error about one entry of a layer. */
export function entryError(code: 'invalid_layer' | 'archive_path_escape' | 'special_file_rejected', layerDigest: string | undefined, entry: string, what: string): KilnError {
  return new KilnError(code, `${layerName(layerDigest)}: entry ${quotePath(entry)} ${what}.`, { phase: 'preparing' });
}

/** The KilnError for a failure while reading the layer stream (KilnErrors pass through). */
export function readError(err: unknown, layerDigest: string | undefined, lastEntry: string | undefined): KilnError {
  if (err instanceof KilnError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const reason = FRIENDLY.find(([re]) => re.test(text))?.[1] ?? `it could not be read (${text})`;
  const where = lastEntry === undefined ? 'before the first entry' : `at or after entry ${quotePath(lastEntry)}`;
  return new KilnError('invalid_layer', `${layerName(layerDigest)} is not a readable tar stream in its declared compression: ${reason}, ${where}.`, { phase: 'preparing' });
}

/** The KilnError for a failure while applying an entry (KilnErrors pass through). */
export function applyError(err: unknown, layerDigest: string | undefined, entry: string, rootfs: string): KilnError {
  if (err instanceof KilnError) return err;
  const e = err as NodeJS.ErrnoException & { entryName?: string };
  const name = e.entryName ?? entry;
  const code = typeof e.code === 'string' ? e.code : '';
  const raw = code === 'EBADLAYER' || code === 'ELOOP' || code === 'ENOTDIR' ? e.message : `${code || 'error'}: ${e.message ?? String(err)}`;
  // Host paths stay out of messages: the root filesystem's own location is shown as `<rootfs>`.
  const detail = raw.replaceAll(rootfs, '<rootfs>');
  if (LAYER_FAULTS.has(code) || e instanceof TypeError) {
    return entryError('invalid_layer', layerDigest, name, `cannot be applied (${detail})`);
  }
  return new KilnError('internal_error', `${layerName(layerDigest)}: writing entry ${quotePath(name)} failed on the host (${detail}).`, { phase: 'preparing' });
}
