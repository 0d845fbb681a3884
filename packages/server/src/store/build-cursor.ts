/**
 * The opaque keyset cursor of a template's build history: base64url of the last row's
 * `created_at` and `id`, the two columns the history is ordered by.
 */
import { KilnError } from '../errors/errors.ts';

/** The position a cursor stands for: the last build of the previous page. */
export interface BuildCursor {
  created_at: string;
  id: string;
}

/** Encodes the position after a page's last build. */
export function encodeBuildCursor(pos: BuildCursor): string {
  return Buffer.from(JSON.stringify([pos.created_at, pos.id]), 'utf8').toString('base64url');
}

/** Decodes a cursor from a previous page; throws `invalid_request` when it is not one. */
export function decodeBuildCursor(cursor: string): BuildCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw new KilnError('invalid_request', 'cursor is not a cursor returned by a previous page; omit it to start from the newest build.', { phase: 'request' });
  }
  return { created_at: parsed[0], id: parsed[1] };
}
