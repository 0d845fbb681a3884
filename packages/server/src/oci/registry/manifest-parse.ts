/** Interpreting manifest bytes: the media type, schema 1 refusal, and the shape checks Kiln relies on. */
import { MEDIA_TYPES, type ImageIndex, type ImageManifest } from '../oci-types.ts';
import { unsupportedManifest } from './registry-errors.ts';

/** The Accept header of manifest requests: OCI manifest and index, Docker schema 2 manifest and list. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

const MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);
const SCHEMA1_TYPES = new Set<string>([MEDIA_TYPES.dockerSchema1, MEDIA_TYPES.dockerSchema1Signed]);

/** A parsed manifest or index and its media type. */
export interface ParsedManifest {
  mediaType: string;
  manifest: ImageManifest | ImageIndex;
}

/** Whether a value looks like a descriptor. */
function isDescriptor(v: unknown): boolean {
  const d = v as { digest?: unknown; size?: unknown; mediaType?: unknown } | null;
  return !!d && typeof d === 'object' && typeof d.digest === 'string' && typeof d.size === 'number';
}

/** Parses manifest bytes served with `contentType`; throws `unsupported_manifest` for anything Kiln cannot import. */
export function parseManifest(bytes: Buffer, contentType: string | null, reference: string): ParsedManifest {
  const served = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw unsupportedManifest(reference, 'the registry sent a manifest that is not valid JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw unsupportedManifest(reference, 'the registry sent a manifest that is not a JSON object');
  }
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  if (json.schemaVersion === 1 || (declared && SCHEMA1_TYPES.has(declared)) || SCHEMA1_TYPES.has(served)) {
    throw unsupportedManifest(reference,
      'it is a Docker schema 1 manifest, which is deprecated; push the image again with a current Docker or buildah');
  }
  if (json.schemaVersion !== 2) {
    throw unsupportedManifest(reference, `schemaVersion ${JSON.stringify(json.schemaVersion)} is not 2`);
  }
  let mediaType = declared ?? (served && served !== 'application/json' && served !== 'application/octet-stream' ? served : undefined);
  if (!mediaType) {
    if (Array.isArray(json.manifests)) mediaType = MEDIA_TYPES.ociIndex;
    else if (json.config !== undefined && Array.isArray(json.layers)) mediaType = MEDIA_TYPES.ociManifest;
    else throw unsupportedManifest(reference, 'it has no media type and is neither an image manifest nor an index');
  }
  if (MANIFEST_TYPES.has(mediaType)) {
    if (!isDescriptor(json.config) || !Array.isArray(json.layers) || !json.layers.every(isDescriptor)) {
      throw unsupportedManifest(reference, `the ${mediaType} lacks a valid config or layers list`);
    }
  } else if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(json.manifests) || !json.manifests.every(isDescriptor)) {
      throw unsupportedManifest(reference, `the ${mediaType} lacks a valid manifests list`);
    }
  } else {
    throw unsupportedManifest(reference,
      `its media type ${JSON.stringify(mediaType.slice(0, 120))} is not an OCI or Docker schema 2 image manifest or index`);
  }
  return { mediaType, manifest: json as unknown as ImageManifest | ImageIndex };
}
