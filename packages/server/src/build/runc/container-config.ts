/**
 * The OCI runtime configuration (runc's `config.json`) of one build container: the step's
 * process, user, environment and working directory over a prepared root filesystem, Docker's
 * default capabilities, its own pid/ipc/uts/mount namespaces, a network namespace of its own
 * (loopback only) or the build's shared one, and cgroup limits from `vcpus` and `memory_mib`.
 */

/** What a container runs and how. */
export interface ContainerSpec {
  /** The root filesystem (an overlay mount or a plain directory). */
  rootfs: string;
  args: string[];
  env: string[];
  uid: number;
  gid: number;
  /** Supplementary groups of the user. */
  additionalGids?: number[];
  cwd: string;
  hostname: string;
  /** Path of a network namespace to join (the build network); a new loopback-only one when absent. */
  netns?: string;
  /** A resolv.conf to bind over /etc/resolv.conf (the build network's DNS). */
  resolvConf?: string;
  /** CPU limit in whole or fractional CPUs. */
  vcpus?: number;
  /** Memory limit in MiB. */
  memoryMib?: number;
  /** cgroup path, e.g. `/kiln/<container id>`. */
  cgroupsPath: string;
}

/** Docker's default capability set: what package managers and most build steps need. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const CPU_PERIOD_US = 100_000;
const MIB = 1024 * 1024;

/** Paths a container must not read or write, as runc's default spec masks them. */
const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Builds the runc config for a spec. */
export function containerConfig(spec: ContainerSpec): Record<string, unknown> {
  const mounts: Record<string, unknown>[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
  if (spec.resolvConf) mounts.push({ destination: '/etc/resolv.conf', type: 'bind', source: spec.resolvConf, options: ['rbind', 'ro'] });
  const resources: Record<string, unknown> = {
    devices: [{ allow: false, access: 'rwm' }],
    pids: { limit: 32768 },
  };
  if (spec.vcpus && spec.vcpus > 0) resources.cpu = { quota: Math.round(spec.vcpus * CPU_PERIOD_US), period: CPU_PERIOD_US };
  if (spec.memoryMib && spec.memoryMib > 0) resources.memory = { limit: spec.memoryMib * MIB };
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: spec.uid, gid: spec.gid, ...(spec.additionalGids?.length ? { additionalGids: spec.additionalGids } : {}) },
      args: spec.args,
      env: spec.env,
      cwd: spec.cwd,
      capabilities: {
        bounding: DEFAULT_CAPABILITIES, effective: DEFAULT_CAPABILITIES, permitted: DEFAULT_CAPABILITIES,
      },
      noNewPrivileges: false,
    },
    root: { path: spec.rootfs, readonly: false },
    hostname: spec.hostname,
    mounts,
    linux: {
      cgroupsPath: spec.cgroupsPath,
      resources,
      namespaces: [
        { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' },
        spec.netns ? { type: 'network', path: spec.netns } : { type: 'network' },
      ],
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}
