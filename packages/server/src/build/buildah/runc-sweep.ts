/**
 * Stops the runc containers of one build. Each build gives buildah's runc its own state
 * directory (`--runtime-flag root=…`), so the containers found there are that build's alone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Kills and deletes every container whose state lives under `runcRoot`; quiet when there are none. */
export async function killRuncContainers(runcRoot: string): Promise<number> {
  let ids: string[];
  try {
    const { stdout } = await run('runc', ['--root', runcRoot, 'list', '--quiet'], { timeout: 10_000 });
    ids = stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  } catch {
    return 0;
  }
  await Promise.all(ids.map((id) => run('runc', ['--root', runcRoot, 'delete', '--force', id], { timeout: 10_000 }).catch(() => undefined)));
  return ids.length;
}
