/**
 * Kiln's own buildah installation under the data directory (`<dataDir>/buildah`): image
 * storage and run state, a containers.conf whose network configuration lives there too (the
 * machine's /etc stays untouched), a signature policy, and the flags every buildah command
 * gets. The storage driver is overlay as root, vfs when overlay does not work here.
 *
 * Working containers belong to running builds; a build that is killed leaves its containers
 * in storage, so they are swept (`buildah rm --all`) once no build of this process runs, and
 * when the host is first used (after a crash).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KilnError } from '../../errors/errors.ts';
import { killRuncContainers } from './runc-sweep.ts';

const run = promisify(execFile);

/** Storage drivers Kiln uses, in order of preference. */
export type StorageDriver = 'overlay' | 'vfs';

/** The outcome of one short buildah command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The machine-wide settings every buildah command of this data directory shares. */
export class BuildahHost {
  /** `<dataDir>/buildah`. */
  readonly root: string;
  /** The buildah binary. */
  readonly binary: string;
  private ready: Promise<StorageDriver> | undefined;
  private driver: StorageDriver = 'overlay';
  private active = 0;
  private dirty = true;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(dataDir: string, binary = 'buildah') {
    this.root = path.join(dataDir, 'buildah');
    this.binary = binary;
  }

  /** Writes the configuration, picks the storage driver and sweeps leftovers; once per process. */
  init(): Promise<StorageDriver> {
    this.ready ??= this.setUp().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  /**
   * The directory of symlinks through which buildah reads Kiln's image layout
   * (`/run/kiln-oci/<hash of this data directory>`, else under the temp directory): a lowercase
   * path, as buildah names such images after it. Removed whenever no build runs.
   */
  async linkDir(): Promise<string> {
    for (const dir of ['/run', tmpdir()]) {
      const base = path.join(dir, 'kiln-oci', createHash('sha256').update(this.root).digest('hex').slice(0, 16));
      if (!REPO_PATH_RE.test(base)) continue;
      try {
        await access(dir, constants.W_OK);
        return base;
      } catch { /* next */ }
    }
    throw new KilnError('internal_error', 'Neither /run nor the temp directory can hold the links through which buildah reads Kiln\'s images (a writable, lowercase path is needed).', { phase: 'preparing' });
  }

  /** The directory of one build's run state (its runc root and temporary files). */
  buildDir(buildId: string): string {
    return path.join(this.root, 'builds', buildId);
  }

  /** Flags that come before the buildah subcommand. */
  globalArgs(): string[] {
    const store = this.driver === 'overlay' ? 'storage' : `storage-${this.driver}`;
    return [
      '--root', path.join(this.root, store), '--runroot', path.join(this.root, `run-${this.driver}`),
      '--storage-driver', this.driver,
      '--short-name-alias-conf', path.join(this.root, 'short-name-aliases.conf'),
    ];
  }

  /** Environment of every buildah process: Kiln's containers.conf, and no inherited registry or storage settings. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('CONTAINERS_') && !k.startsWith('BUILDAH_') && k !== 'REGISTRY_AUTH_FILE' && k !== 'TMPDIR') env[k] = v;
    }
    return { ...env, CONTAINERS_CONF: path.join(this.root, 'containers.conf'), ...extra };
  }

  /** The signature policy file (`--signature-policy`): accept any image, as Kiln checks digests itself. */
  policyPath(): string {
    return path.join(this.root, 'policy.json');
  }

  /** Runs a short buildah command (not a build) and returns its outcome. */
  async command(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CommandResult> {
    try {
      const { stdout, stderr } = await run(this.binary, [...this.globalArgs(), ...args], {
        env: this.env(opts.env), timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
      if (e.code === 'ENOENT') throw engineMissing(this.binary);
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
    }
  }

  /** Marks a build as running; its containers are not swept until {@link release}. */
  async acquire(): Promise<void> {
    this.active++;
    // A sweep that started before this build counted waits to finish first; none starts while it runs.
    await this.sweeping;
  }

  /** Marks a build as ended; `leftovers` says it may have left containers (it was killed or failed). */
  async release(leftovers: boolean): Promise<void> {
    this.active--;
    if (leftovers) this.dirty = true;
    if (this.active === 0) await (this.dirty ? this.sweep() : this.unlink());
  }

  /** Removes the layout links (only while no build of this process runs). */
  private unlink(): Promise<void> {
    this.sweeping = this.linkDir().then((dir) => rm(dir, { recursive: true, force: true })).catch(() => undefined);
    return this.sweeping;
  }

  /** Removes every working container (only while no build of this process runs). */
  private sweep(): Promise<void> {
    this.dirty = false;
    this.sweeping = (async () => {
      const r = await this.command(['rm', '--all'], { timeoutMs: 60_000 }).catch(() => undefined);
      if (r?.code !== 0) this.dirty = true;
      await rm(await this.linkDir(), { recursive: true, force: true }).catch(() => undefined);
    })();
    return this.sweeping;
  }

  /** Stops containers and removes run state left by builds of a process that died. */
  private async clearBuildDirs(): Promise<void> {
    const dir = path.join(this.root, 'builds');
    for (const name of await readdir(dir)) {
      await killRuncContainers(path.join(dir, name, 'runc'));
      await rm(path.join(dir, name), { recursive: true, force: true });
    }
  }

  private async setUp(): Promise<StorageDriver> {
    if (!(await anyExists(NETAVARK_PATHS))) {
      throw new KilnError('internal_error', 'The buildkit backend needs netavark, the network backend of buildah (Debian package netavark); install it or use the native backend.', { phase: 'preparing' });
    }
    await mkdir(path.join(this.root, 'networks'), { recursive: true, mode: 0o700 });
    await mkdir(path.join(this.root, 'builds'), { recursive: true, mode: 0o700 });
    await writeFile(path.join(this.root, 'containers.conf'), containersConf(this.root), { mode: 0o600 });
    await writeFile(this.policyPath(), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }), { mode: 0o600 });
    this.driver = process.getuid?.() === 0 ? 'overlay' : 'vfs';
    let probe = await this.command(['images', '--quiet']);
    if (probe.code !== 0 && this.driver === 'overlay') {
      this.driver = 'vfs';
      probe = await this.command(['images', '--quiet']);
    }
    if (probe.code !== 0) {
      throw new KilnError('internal_error', `buildah cannot open its storage under ${this.root}: ${probe.stderr.trim().split('\n').slice(-3).join(' ')}`, { phase: 'preparing' });
    }
    await this.clearBuildDirs();
    await this.sweep();
    return this.driver;
  }
}

/** Where containers.conf's helper_binaries_dir looks for netavark by default. */
const NETAVARK_PATHS = ['/usr/local/libexec/podman/netavark', '/usr/local/lib/podman/netavark', '/usr/libexec/podman/netavark', '/usr/lib/podman/netavark'];

/** Whether any of the paths is an executable file. */
async function anyExists(paths: string[]): Promise<boolean> {
  for (const p of paths) {
    if (await access(p, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

/** A path buildah can turn into a repository name: lowercase components joined by `/`. */
const REPO_PATH_RE = /^(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;

/** containers.conf for Kiln's buildah: netavark with its state in this data directory (steps join Kiln's own build network). */
export function containersConf(root: string): string {
  return [
    '[network]',
    'network_backend = "netavark"',
    `network_config_dir = ${JSON.stringify(path.join(root, 'networks'))}`,
    '',
    '[engine]',
    'runtime = "runc"',
    '',
  ].join('\n');
}

/** The error when buildah is not installed. */
export function engineMissing(binary: string): KilnError {
  return new KilnError('internal_error', `The buildkit backend needs buildah (${binary}), which is not installed on this server; install it (scripts/setup does) or use the native backend.`, { phase: 'preparing' });
}
