/**
 * The build benchmark's peer: `buildah bud` alone, in a buildah storage of its own under a temp
 * directory (overlay driver, its own containers.conf, signature policy and runc root) that holds only
 * the Debian base, pulled untimed from an OCI layout of the same image Kiln builds on.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { OciLayoutStore } from '../../packages/server/src/oci/image-store/oci-layout-store.ts';
import type { BuiltImage } from '../../test/fixtures/images/oci-image-writer.ts';
import { measureCommand, type Measured } from '../import/measure-command.ts';
import { BENCH_BASE, EXPECTED_FILES, PEER_BASE } from './bench-steps.ts';
import { unmountBelow } from './mounts.ts';

const run = promisify(execFile);

/**
 * Writes `image` as an OCI layout under `dir` (`<dir>/oci`, tagged `kiln/debian:bookworm`) and returns the
 * layout's path. buildah names an image it pulls from a layout after the path, so the path must be lowercase.
 */
export async function writeBaseLayout(image: BuiltImage, dir: string): Promise<string> {
  if (dir !== dir.toLowerCase()) throw new Error(`the OCI layout's path ${dir} must be lowercase (buildah names the image after it); use a lowercase --work-dir`);
  const layout = new OciLayoutStore(dir);
  await layout.init();
  for (const layer of image.layers) await layout.put(layer.digest, layer.data);
  await layout.put(image.config.digest, image.config.data);
  await layout.put(image.digest, image.manifest);
  await layout.tag(BENCH_BASE, { mediaType: image.mediaType, digest: image.digest, size: image.size });
  return layout.root;
}

/** A buildah storage holding only the base; each `bud` is one timed `buildah bud`. */
export class BuildahPeer {
  /** The peer's directory (storage, run state, configuration). */
  readonly dir: string;
  private readonly timeoutMs: number;

  private constructor(dir: string, timeoutMs: number) {
    this.dir = dir;
    this.timeoutMs = timeoutMs;
  }

  /** Makes a fresh storage under `workDir` and pulls the base from the layout at `layoutPath` into it (untimed). */
  static async create(workDir: string, layoutPath: string, timeoutMs: number): Promise<BuildahPeer> {
    const peer = new BuildahPeer(await mkdtemp(path.join(workDir, 'buildah-peer-')), timeoutMs);
    try {
      await mkdir(path.join(peer.dir, 'networks'));
      await mkdir(path.join(peer.dir, 'runc'));
      await writeFile(path.join(peer.dir, 'containers.conf'), [
        '[network]', 'network_backend = "netavark"', `network_config_dir = ${JSON.stringify(path.join(peer.dir, 'networks'))}`,
        '', '[engine]', 'runtime = "runc"', '',
      ].join('\n'));
      await writeFile(peer.policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
      await peer.command(['pull', '--quiet', '--signature-policy', peer.policy, `oci:${layoutPath}:${BENCH_BASE}`]);
      const id = (await peer.command(['images', '--quiet', '--no-trunc'])).trim().split('\n')[0];
      await peer.command(['tag', id, PEER_BASE]);
      return peer;
    } catch (err) {
      await peer.destroy();
      throw err;
    }
  }

  private get policy(): string {
    return path.join(this.dir, 'policy.json');
  }

  /** Flags before the subcommand: this storage only. */
  private globalArgs(): string[] {
    return ['--root', path.join(this.dir, 'root'), '--runroot', path.join(this.dir, 'runroot'), '--storage-driver', 'overlay'];
  }

  /** The environment of every buildah process: this peer's containers.conf, no inherited container settings. */
  private env(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith('CONTAINERS_') && !k.startsWith('BUILDAH_') && k !== 'REGISTRY_AUTH_FILE') env[k] = v;
    }
    return { ...env, CONTAINERS_CONF: path.join(this.dir, 'containers.conf') };
  }

  /** Runs a short buildah command (untimed) and returns its standard output. */
  async command(args: string[]): Promise<string> {
    const { stdout } = await run('buildah', [...this.globalArgs(), ...args], { env: this.env(), timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  }

  /** The `buildah bud` command line of one build (as the benchmark prints it). */
  budArgs(contextDir: string, iidFile: string): string[] {
    return [...this.globalArgs(), 'bud',
      '--runtime', 'runc', '--runtime-flag', `root=${path.join(this.dir, 'runc')}`, '--isolation', 'oci',
      '--signature-policy', this.policy, '--format', 'oci', '--layers', '--network', 'none', '--pull-never',
      '-f', path.join(contextDir, 'Dockerfile'), '--iidfile', iidFile, contextDir];
  }

  /** Builds `contextDir/Dockerfile` once under GNU time; throws unless buildah succeeded. Returns the measurement and the image id. */
  async bud(contextDir: string): Promise<{ measured: Measured; imageId: string }> {
    const iidFile = path.join(this.dir, 'iid');
    await rm(iidFile, { force: true });
    const measured = await measureCommand('buildah', this.budArgs(contextDir, iidFile), { env: this.env(), timeoutMs: this.timeoutMs });
    if (measured.code !== 0) throw new Error(`buildah bud exited with ${measured.code ?? measured.signal}: ${measured.stderr.slice(-2000)}${measured.stdout.slice(-2000)}`);
    return { measured, imageId: (await readFile(iidFile, 'utf8')).trim() };
  }

  /** Throws unless the image holds {@link EXPECTED_FILES} (read through a mounted working container, untimed). */
  async check(imageId: string): Promise<void> {
    const name = `bench-check-${process.pid}`;
    await this.command(['from', '--pull-never', '--name', name, imageId]);
    try {
      const root = (await this.command(['mount', name])).trim();
      for (const [file, content] of Object.entries(EXPECTED_FILES)) {
        const got = await readFile(path.join(root, file), 'utf8').catch((err: Error) => `(${err.message})`);
        if (got !== content) throw new Error(`buildah image ${imageId}: /${file} holds ${JSON.stringify(got.slice(0, 200))}, not ${JSON.stringify(content)}`);
      }
    } finally {
      await this.command(['umount', name]).catch(() => '');
      await this.command(['rm', name]).catch(() => '');
    }
  }

  /** Removes every container and image of this storage, unmounts what is left below it, and deletes it. */
  async destroy(): Promise<void> {
    await this.command(['rm', '--all']).catch(() => '');
    await this.command(['rmi', '--all', '--force']).catch(() => '');
    await unmountBelow(this.dir);
    await rm(this.dir, { recursive: true, force: true });
  }
}
