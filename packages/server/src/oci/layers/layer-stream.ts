/**
 * The decompressed tar bytes of a layer: the declared compression is checked against the magic
 * bytes, the stream is decompressed with node:zlib, and every expanded byte is counted against
 * the layer limit and the image's shared budget, so that reading stops at the first byte past
 * either (the decompression-bomb guard).
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { KilnError } from '../../errors/errors.ts';
import type { LayerCompression } from '../oci-types.ts';
import { checkLayerMagic, LAYER_MAGIC_BYTES } from './layer-media.ts';
import { prependChunks } from '../../streams/prepend-chunks.ts';

/**
 * Bytes the decoder produces per step. Each step is a round trip to the thread pool, so large
 * steps cost less (a layer of 120 MB applied 10% faster with 512 KiB than with 64 KiB); the
 * decompression-bomb guard stops at most this far past a limit.
 */
const DECODED_CHUNK_BYTES = 512 * 1024;

/** Expanded-size limits of one layer and of the whole image. */
export interface LayerLimits {
  /** Expanded (decompressed tar) bytes one layer may have. */
  maxLayerBytes: number;
  /** Expanded bytes all layers of one image may have together. */
  maxImageBytes: number;
}

/** What is left of the image-wide limit while its layers are applied in turn. */
export interface ApplyBudget {
  /** Expanded bytes still allowed for the whole image; decremented. */
  remainingImageBytes: number;
}

/** A layer as the caller has it: a Node stream or any async iterable of bytes. */
export type LayerInput = Readable | AsyncIterable<Uint8Array>;

/** Counts of expanded bytes, read by the applier while the stream runs. */
export interface LayerMeter {
  /** Expanded bytes produced so far. */
  bytes: number;
}

/** The KilnError `layer_too_large` for a layer past `limits`, naming the layer and the limit passed. */
export function tooLarge(which: 'layer' | 'image', limits: LayerLimits, layerDigest: string | undefined, detail = ''): KilnError {
  const layer = layerDigest === undefined ? 'a layer' : `layer ${layerDigest}`;
  const message = which === 'layer'
    ? `The image's ${layer} expands past the limit of ${limits.maxLayerBytes} bytes for one layer${detail}.`
    : `The image expands past the limit of ${limits.maxImageBytes} bytes for a whole image (at ${layer}${detail}).`;
  return new KilnError('layer_too_large', message, { phase: 'preparing' });
}


/**
 * Yields the layer's tar bytes. Throws KilnError `invalid_layer` when the magic bytes contradict
 * `compression`, `layer_too_large` as soon as the layer or image limit is passed (the budget is
 * decremented as bytes arrive), and the decoder's own error for corrupt compressed data.
 */
export async function* layerTarBytes(
  input: LayerInput,
  opts: { compression: LayerCompression; limits: LayerLimits; budget: ApplyBudget; layerDigest?: string; meter: LayerMeter },
): AsyncGenerator<Uint8Array> {
  const source = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < LAYER_MAGIC_BYTES) {
    const next = await source.next();
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    headBytes += chunk.byteLength;
  }
  try {
    checkLayerMagic(opts.compression, Buffer.concat(head).subarray(0, LAYER_MAGIC_BYTES), opts.layerDigest);
  } catch (err) {
    await source.return?.(undefined);
    throw err;
  }
  const raw = prependChunks(head, source);
  let decoded: AsyncIterable<Uint8Array> = raw;
  if (opts.compression !== 'none') {
    const decoder = opts.compression === 'gzip' ? createGunzip({ chunkSize: DECODED_CHUNK_BYTES }) : createZstdDecompress({ chunkSize: DECODED_CHUNK_BYTES });
    decoded = pipeline(Readable.from(raw, { objectMode: false }), decoder, () => undefined);
  }
  const { limits, budget, meter } = opts;
  for await (const chunk of decoded) {
    meter.bytes += chunk.byteLength;
    budget.remainingImageBytes -= chunk.byteLength;
    if (meter.bytes > limits.maxLayerBytes) throw tooLarge('layer', limits, opts.layerDigest);
    if (budget.remainingImageBytes < 0) throw tooLarge('image', limits, opts.layerDigest);
    yield chunk;
  }
}
