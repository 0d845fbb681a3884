/** Content digests as registries use them: `sha256:<hex>` (and `sha512:<hex>`), computed with node:crypto. */
import { createHash, type Hash } from 'node:crypto';
import { digestMismatch, unsupportedManifest } from './registry-errors.ts';

const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

/** A digest split into algorithm and lowercase hex. */
export interface ParsedDigest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
}

/** Parses a digest Kiln can verify; throws `unsupported_manifest` for another algorithm or a malformed value. */
export function parseDigest(digest: string, reference: string): ParsedDigest {
  const m = /^([a-z0-9]+):([a-f0-9]+)$/.exec(digest);
  if (!m || HEX_LENGTH[m[1]] !== m[2].length) {
    throw unsupportedManifest(reference, `digest ${JSON.stringify(digest.slice(0, 140))} is not a sha256 or sha512 digest`);
  }
  return { algorithm: m[1] as ParsedDigest['algorithm'], hex: m[2] };
}

/** A fresh hash for a digest's algorithm. */
export function hasherFor(d: ParsedDigest): Hash {
  return createHash(d.algorithm);
}

/** The sha256 digest of some bytes. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Throws `digest_mismatch` unless `bytes` has the given digest (and size, when given). */
export function verifyBytes(bytes: Uint8Array, digest: string, size: number | undefined, what: string, reference: string): void {
  if (size !== undefined && bytes.length !== size) {
    throw digestMismatch(what, `expected ${size} bytes, received ${bytes.length}`);
  }
  const d = parseDigest(digest, reference);
  const got = createHash(d.algorithm).update(bytes).digest('hex');
  if (got !== d.hex) throw digestMismatch(what, `expected ${digest}, received ${d.algorithm}:${got}`);
}
