/**
 * OCI / Docker image references: parsing with Docker's grammar and Docker Hub's naming
 * rules (`ubuntu:22.04` → `docker.io/library/ubuntu:22.04`).
 */

/** A parsed image reference. */
export interface ImageReference {
  /** Registry host (with port), `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path, e.g. `library/ubuntu`. */
  repository: string;
  /** Tag, when given (or `latest` when neither tag nor digest was given). */
  tag: string | undefined;
  /** Digest (`sha256:…`), when given. */
  digest: string | undefined;
}

const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?$|^\[[0-9a-fA-F:]+\](?::[0-9]{1,5})?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/** A registry as a user may write it (`https://Registry.example.com/`) reduced to its host: no scheme, no trailing slash, lowercase. */
export function registryHostOf(raw: string): string {
  return raw.toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/** Normalises a registry as {@link registryHostOf} does, and Docker Hub's aliases become `docker.io`. */
export function normalizeRegistry(raw: string): string {
  const h = registryHostOf(raw);
  return HUB_ALIASES.has(h) ? DOCKER_HUB : h;
}

/** Parses an image reference; returns an explanation string when it is invalid. */
export function parseImageReference(ref: string): ImageReference | string {
  if (ref.length === 0) return 'the image reference is empty';
  if (ref.length > 512) return 'the image reference is longer than 512 characters';
  if (/\s/.test(ref)) return 'an image reference cannot contain white space';
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return `"${digest}" is not a valid digest (expected algorithm:hex, e.g. sha256:…)`;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return `"${tag}" is not a valid tag`;
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || parts[0].startsWith('['))) {
    registry = parts.shift() as string;
    if (!DOMAIN.test(registry)) return `"${registry}" is not a valid registry host`;
    registry = normalizeRegistry(registry);
  }
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      return `"${p}" is not a valid repository name component (use lowercase letters, digits and single separators . _ __ -)`;
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > 255) return 'the repository name is longer than 255 characters';
  if (!tag && !digest) tag = 'latest';
  return { registry, repository, tag, digest };
}

/** The fully qualified form, e.g. `docker.io/library/ubuntu:22.04`. */
export function formatImageReference(r: ImageReference): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}
