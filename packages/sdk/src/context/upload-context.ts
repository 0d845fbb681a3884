/**
 * Uploads a walked context, sending only the file contents the server does not have from this
 * caller yet: it asks `POST /v1/templates/contexts/blobs/missing` which digests are missing, then
 * sends a context bundle (a tar of `manifest.json` and those blobs) to `POST /v1/templates/contexts`.
 */
import path from 'node:path';
import type { KilnClient } from '../http/client.ts';
import type { UploadedContext } from '../types.ts';
import { tarStream, type TarEntry } from './tar-writer.ts';
import type { ContextEntry, WalkedContext } from './walk-context.ts';

/** Content type of a context bundle. */
export const BUNDLE_CONTENT_TYPE = 'application/vnd.kiln.context-bundle+tar';

/** Digests asked about in one request. */
const MISSING_BATCH = 50_000;

/** What an upload sent and what the server answered. */
export interface ContextUpload {
  /** The server's answer: `context_manifest_id`, `context_digest`, counts. */
  context: UploadedContext;
  /** Distinct file contents sent in the bundle. */
  blobsSent: number;
  /** Bytes of file content sent. */
  bytesSent: number;
  /** Distinct file contents the server already had from this caller, not sent again. */
  blobsReused: number;
}

/** The manifest entry of one context entry, as the server reads it. */
function manifestEntry(e: ContextEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { path: e.path, type: e.type, mode: e.mode };
  if (e.type === 'file') Object.assign(out, { size: e.size, sha256: e.sha256 });
  if (e.type === 'symlink') out.target = e.target;
  return out;
}

/** The digests (of `digests`) the server does not have from this caller. */
export async function missingBlobs(client: KilnClient, digests: string[], signal?: AbortSignal): Promise<Set<string>> {
  const missing = new Set<string>();
  for (let i = 0; i < digests.length; i += MISSING_BATCH) {
    const answer = await client.json<{ missing: string[] }>('POST', '/v1/templates/contexts/blobs/missing', { json: { sha256: digests.slice(i, i + MISSING_BATCH) }, signal });
    for (const d of answer.missing) missing.add(d);
  }
  return missing;
}

/** Uploads `walked` as a context bundle carrying only the missing contents. */
export async function uploadContext(client: KilnClient, walked: WalkedContext, opts: { signal?: AbortSignal } = {}): Promise<ContextUpload> {
  const bySha = new Map<string, ContextEntry>();
  for (const f of walked.files) if (f.type === 'file' && f.sha256 && !bySha.has(f.sha256)) bySha.set(f.sha256, f);
  const missing = await missingBlobs(client, [...bySha.keys()], opts.signal);
  const manifest = Buffer.from(JSON.stringify({ files: walked.files.map(manifestEntry) }));
  const entries: TarEntry[] = [{ name: 'manifest.json', size: manifest.byteLength, content: manifest }];
  let bytesSent = 0;
  for (const digest of missing) {
    const f = bySha.get(digest);
    if (!f) continue;
    entries.push({ name: `blobs/sha256/${digest}`, size: f.size, content: { file: path.join(walked.root, f.path) } });
    bytesSent += f.size;
  }
  const context = await client.json<UploadedContext>('POST', '/v1/templates/contexts', {
    raw: { body: tarStream(entries), contentType: BUNDLE_CONTENT_TYPE },
    signal: opts.signal,
  });
  return { context, blobsSent: entries.length - 1, bytesSent, blobsReused: bySha.size - (entries.length - 1) };
}
