/**
 * Choosing one manifest of an image index for this host: an exact Linux variant for the host
 * architecture first (amd64 with variant v1 or none, arm64 with v8 or v8.0), else a variantless
 * Linux manifest; manifests that need `os.version` or `os.features` are never chosen.
 */
import { KilnError } from '../errors/errors.ts';
import type { Descriptor, ImageIndex, Platform } from './oci-types.ts';

/** The platform Kiln builds for: an architecture in OCI spelling and, for arm64, its variant. */
export interface HostPlatform {
  architecture: string;
  variant?: string;
}

const NODE_TO_OCI_ARCH: Record<string, HostPlatform> = {
  x64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64', variant: 'v8' },
  ia32: { architecture: '386' },
  arm: { architecture: 'arm', variant: 'v7' },
  ppc64: { architecture: 'ppc64le' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
  loong64: { architecture: 'loong64' },
};

/** This host's platform from `process.arch` (x64 → amd64, arm64 → arm64/v8). */
export function hostPlatform(arch: string = process.arch): HostPlatform {
  return NODE_TO_OCI_ARCH[arch] ?? { architecture: arch };
}

/** Variants that count as an exact match for an architecture (`''` stands for no variant). */
function exactVariants(host: HostPlatform): Set<string> {
  if (host.architecture === 'amd64') return new Set(['', 'v1']);
  if (host.architecture === 'arm64') return new Set(['v8', 'v8.0']);
  return new Set(host.variant ? [host.variant] : []);
}

/** Whether an index entry is a BuildKit attestation (SBOM/provenance), not a runnable image. */
export function isAttestation(desc: Descriptor): boolean {
  if (desc.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  return desc.platform?.os === 'unknown' && desc.platform?.architecture === 'unknown';
}

/** How a platform is shown in messages, e.g. `linux/arm64/v8` or `windows/amd64 (os.version 10.0.17763)`. */
export function describePlatform(p: Platform | undefined): string {
  if (!p) return 'no platform given';
  let s = `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
  const extra: string[] = [];
  if (p['os.version']) extra.push(`os.version ${p['os.version']}`);
  if (p['os.features']?.length) extra.push(`os.features ${p['os.features'].join(',')}`);
  if (extra.length) s += ` (${extra.join(', ')})`;
  return s;
}

/** Whether an entry is a Linux manifest Kiln may import at all (no os.version, no os.features). */
function importable(p: Platform | undefined): p is Platform {
  return p !== undefined && p.os === 'linux' && !p['os.version'] && !(p['os.features']?.length);
}

/** Picks the manifest of `index` to import on `host`; throws `no_matching_platform` listing what the image offers. */
export function selectPlatform(index: ImageIndex, host: HostPlatform): Descriptor {
  const entries = (index.manifests ?? []).filter((d) => !isAttestation(d));
  const exact = exactVariants(host);
  const forArch = entries.filter((d) => importable(d.platform) && d.platform.architecture === host.architecture);
  const chosen = forArch.find((d) => exact.has(d.platform?.variant ?? ''))
    ?? forArch.find((d) => !d.platform?.variant);
  if (chosen) return chosen;
  const wanted = host.architecture === 'amd64' ? 'linux/amd64 (variant v1 or none)'
    : host.architecture === 'arm64' ? 'linux/arm64 (variant v8, v8.0 or none)'
      : `linux/${host.architecture}${host.variant ? ` (variant ${host.variant} or none)` : ''}`;
  const offered = entries.map((d) => describePlatform(d.platform));
  const list = offered.length ? `it offers: ${[...new Set(offered)].join(', ')}` : 'it lists no image manifests';
  throw new KilnError('no_matching_platform',
    `The image has no manifest for ${wanted} without os.version or os.features; ${list}.`,
    { phase: 'preparing' });
}
