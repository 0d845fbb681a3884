/**
 * BuildKit's automatic platform arguments (TARGETPLATFORM, BUILDARCH, …), for a build and
 * target platform equal to the host: linux/amd64 on x86_64, linux/arm64/v8 on aarch64.
 */

/** A platform as Docker names it. */
export interface Platform {
  os: string;
  arch: string;
  variant: string;
}

/** The platform Kiln builds for on this host. */
export function hostPlatform(arch: string = process.arch): Platform {
  if (arch === 'arm64' || arch === 'aarch64') return { os: 'linux', arch: 'arm64', variant: 'v8' };
  return { os: 'linux', arch: 'amd64', variant: '' };
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return p.variant === '' ? `${p.os}/${p.arch}` : `${p.os}/${p.arch}/${p.variant}`;
}

/** The automatic platform ARGs, as name → value. */
export function platformArgs(p: Platform): Map<string, string> {
  const text = formatPlatform(p);
  const args = new Map<string, string>();
  for (const prefix of ['TARGET', 'BUILD']) {
    args.set(`${prefix}PLATFORM`, text);
    args.set(`${prefix}OS`, p.os);
    args.set(`${prefix}ARCH`, p.arch);
    args.set(`${prefix}VARIANT`, p.variant);
  }
  return args;
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64' };

/** Whether a `--platform` value names the host's OS and architecture (any variant). */
export function isHostPlatform(value: string, host: Platform): boolean {
  const parts = value.toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3) return false;
  const arch = ARCH_ALIASES[parts[1]] ?? parts[1];
  return parts[0] === host.os && arch === host.arch;
}
