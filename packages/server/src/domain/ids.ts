/** Prefixed random identifiers (`tb_…`, `tmpl_…`, `ctx_…`, `req_…`). */
import { randomBytes } from 'node:crypto';

/** A new id: the prefix, an underscore and 20 random base32 characters. */
export function newId(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b & 31];
  return `${prefix}_${out}`;
}
