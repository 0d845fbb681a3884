/**
 * Layer media types: which compression each OCI or Docker layer media type declares, and a check
 * of the first bytes of a layer against that declaration.
 */
import { KilnError } from '../../errors/errors.ts';
import { MEDIA_TYPES, type LayerCompression } from '../oci-types.ts';

const COMPRESSION_BY_MEDIA_TYPE: ReadonlyMap<string, LayerCompression> = new Map<string, LayerCompression>([
  [MEDIA_TYPES.ociLayerTar, 'none'],
  [MEDIA_TYPES.ociLayerGzip, 'gzip'],
  [MEDIA_TYPES.ociLayerZstd, 'zstd'],
  [MEDIA_TYPES.ociLayerNondistTar, 'none'],
  [MEDIA_TYPES.ociLayerNondistGzip, 'gzip'],
  [MEDIA_TYPES.ociLayerNondistZstd, 'zstd'],
  [MEDIA_TYPES.dockerLayerGzip, 'gzip'],
  [MEDIA_TYPES.dockerLayerForeignGzip, 'gzip'],
]);

/** Every layer media type Kiln applies, with the compression it declares. */
export const LAYER_MEDIA_TYPES: ReadonlyMap<string, LayerCompression> = COMPRESSION_BY_MEDIA_TYPE;

/**
 * The compression a layer media type declares; throws KilnError `unsupported_layer_media_type`
 * naming the media type for anything that is not an OCI or Docker schema 2 tar layer.
 */
export function layerCompression(mediaType: string): LayerCompression {
  const compression = COMPRESSION_BY_MEDIA_TYPE.get(mediaType);
  if (compression !== undefined) return compression;
  throw new KilnError(
    'unsupported_layer_media_type',
    `The image has a layer of media type ${JSON.stringify(mediaType)}, which Kiln cannot apply; ` +
      'it applies tar layers, uncompressed or compressed with gzip or zstd (OCI image-spec and Docker schema 2 layer types).',
    { phase: 'preparing' },
  );
}

/** What the first bytes of a layer look like. */
export type SniffedCompression = LayerCompression | 'xz' | 'bzip2';

const MAGIC: { compression: SniffedCompression; bytes: number[] }[] = [
  { compression: 'gzip', bytes: [0x1f, 0x8b] },
  { compression: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { compression: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { compression: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
];

/** Bytes {@link sniffLayerCompression} needs to tell every known compression apart. */
export const LAYER_MAGIC_BYTES = 6;

/** Recognises a compression from the first bytes of a layer ('none' when no magic matches). */
export function sniffLayerCompression(head: Uint8Array): SniffedCompression {
  for (const { compression, bytes } of MAGIC) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return compression;
  }
  return 'none';
}

/**
 * Checks that a layer's first bytes match its declared compression; throws KilnError
 * `invalid_layer` naming the layer when a compressed layer lacks its magic bytes or an
 * uncompressed one starts like a compressed stream. An empty uncompressed layer passes.
 */
export function checkLayerMagic(declared: LayerCompression, head: Uint8Array, layerDigest?: string): void {
  const sniffed = sniffLayerCompression(head);
  if (sniffed === declared) return;
  const layer = layerDigest === undefined ? 'A layer' : `Layer ${layerDigest}`;
  const found = sniffed === 'none' ? (head.length === 0 ? 'it is empty' : 'its bytes are not compressed that way') : `its bytes are ${sniffed}-compressed`;
  const want = declared === 'none' ? 'an uncompressed tar' : `${declared}-compressed`;
  throw new KilnError('invalid_layer', `${layer} is declared ${want}, but ${found}.`, { phase: 'preparing' });
}
