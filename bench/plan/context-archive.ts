/** Packs the fixture's build context as a tar archive and uploads it to a Kiln server. */
import { pack } from 'tar-stream';

/** A tar archive of `files` (regular files, mode 0644; `.sh` files 0755). */
export async function tarOf(files: Array<{ path: string; content: string }>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    archive.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  const mtime = new Date('2025-01-01T00:00:00Z');
  for (const f of files) {
    archive.entry({ name: f.path, mode: f.path.endsWith('.sh') ? 0o755 : 0o644, mtime }, f.content);
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Uploads `files` as a context to `baseUrl` and returns its context_manifest_id. */
export async function uploadContext(baseUrl: string, apiKey: string, files: Array<{ path: string; content: string }>): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/templates/contexts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/x-tar' },
    body: new Uint8Array(await tarOf(files)),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`context upload answered ${res.status}: ${text.slice(0, 500)}`);
  const id = (JSON.parse(text) as { context_manifest_id?: unknown }).context_manifest_id;
  if (typeof id !== 'string') throw new Error(`context upload returned no context_manifest_id: ${text.slice(0, 500)}`);
  return id;
}
