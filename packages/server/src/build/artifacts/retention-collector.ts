/**
 * The retention collector: artifacts no tag reaches expire `KILN_ARTIFACT_RETENTION_HOURS` after
 * they became untagged; the collector deletes their files, names their builds' OCI images no
 * more, and marks them `expired` (tagged artifacts never expire). It also clears scratch space a
 * crashed download left. It runs in the server process every few minutes, and can be called directly.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { Store } from '../../store/store.ts';
import { artifactDir, artifactScratch, buildImageRef } from './artifact-paths.ts';
import { isMountPoint, unmountAndRemove } from './readonly-overlay.ts';

/** What the collector needs. */
export interface CollectorDeps {
  store: Store;
  images: OciLayoutStore;
  dataDir: string;
}

/** How often the server collects. */
export const COLLECT_INTERVAL_MS = 10 * 60_000;
/** Scratch entries older than this are left over from a crash. */
const SCRATCH_MAX_AGE_MS = 24 * 3600_000;
const BATCH = 100;

/** Collects every untagged artifact whose retention ended before `now`; returns their ids. */
export async function collectExpiredArtifacts(deps: CollectorDeps, now = new Date()): Promise<string[]> {
  const { store } = deps;
  const collected: string[] = [];
  const at = now.toISOString();
  for (;;) {
    const batch = await store.listExpiredArtifacts(at, BATCH);
    for (const art of batch) {
      // Claimed in one transaction with the tag check, so a tag moved onto it meanwhile keeps it.
      const claimed = await store.transaction(async (tx) => {
        if (await tx.isArtifactTagged(art.tenant_id, art.id)) {
          await tx.updateArtifact(art.tenant_id, art.id, { retention_expires_at: null }, ['available']);
          return false;
        }
        return (await tx.updateArtifact(art.tenant_id, art.id, { status: 'expired' }, ['available'])) !== undefined;
      });
      if (!claimed) continue;
      await rm(artifactDir(deps.dataDir, art.id), { recursive: true, force: true });
      const builds = await store.listBuildIdsByArtifact(art.tenant_id, art.id);
      await deps.images.untag(builds.map(buildImageRef));
      collected.push(art.id);
    }
    if (batch.length < BATCH) break;
  }
  await clearScratch(deps.dataDir, now);
  return collected;
}

/** Removes scratch entries older than a day (unmounting a left-over mount first). */
async function clearScratch(dataDir: string, now: Date): Promise<void> {
  const scratch = artifactScratch(dataDir);
  for (const name of await readdir(scratch).catch(() => [] as string[])) {
    const p = path.join(scratch, name);
    const st = await stat(p).catch(() => undefined);
    if (!st || now.getTime() - st.mtimeMs < SCRATCH_MAX_AGE_MS) continue;
    if (await isMountPoint(p)) await unmountAndRemove(p);
    if (!(await isMountPoint(p))) await rm(p, { recursive: true, force: true });
  }
}

/** Runs the collector now and then every `intervalMs` until stopped; `onError` hears of failed runs. */
export function startRetentionCollector(deps: CollectorDeps, opts: { intervalMs?: number; onError?: (err: unknown) => void } = {}): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = running.then(() => collectExpiredArtifacts(deps)).catch((err: unknown) => opts.onError?.(err));
  };
  const first = setTimeout(run, 1000);
  const timer = setInterval(run, opts.intervalMs ?? COLLECT_INTERVAL_MS);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
