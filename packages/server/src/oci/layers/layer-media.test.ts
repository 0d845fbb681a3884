import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../errors/errors.ts';
import { MEDIA_TYPES } from '../oci-types.ts';
import { checkLayerMagic, layerCompression, sniffLayerCompression } from './layer-media.ts';

describe('layerCompression', () => {
  test('OCI and Docker layer media types map to their compression', () => {
    assert.equal(layerCompression(MEDIA_TYPES.ociLayerTar), 'none');
    assert.equal(layerCompression(MEDIA_TYPES.ociLayerGzip), 'gzip');
    assert.equal(layerCompression(MEDIA_TYPES.ociLayerZstd), 'zstd');
    assert.equal(layerCompression(MEDIA_TYPES.ociLayerNondistTar), 'none');
    assert.equal(layerCompression(MEDIA_TYPES.ociLayerNondistGzip), 'gzip');
    assert.equal(layerCompression(MEDIA_TYPES.ociLayerNondistZstd), 'zstd');
    assert.equal(layerCompression(MEDIA_TYPES.dockerLayerGzip), 'gzip');
    assert.equal(layerCompression(MEDIA_TYPES.dockerLayerForeignGzip), 'gzip');
  });

  for (const mediaType of ['application/vnd.oci.image.layer.v1.tar+xz', 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', MEDIA_TYPES.ociConfig, '']) {
    test(`${JSON.stringify(mediaType)} is unsupported_layer_media_type naming it`, () => {
      assert.throws(() => layerCompression(mediaType), (err) => {
        assert.ok(err instanceof KilnError);
        assert.equal(err.code, 'unsupported_layer_media_type');
        assert.ok(err.message.includes(JSON.stringify(mediaType)));
        return true;
      });
    });
  }
});

describe('magic bytes', () => {
  test('sniffing tells gzip, zstd, xz, bzip2 and plain tar apart', () => {
    assert.equal(sniffLayerCompression(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
    assert.equal(sniffLayerCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), 'zstd');
    assert.equal(sniffLayerCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
    assert.equal(sniffLayerCompression(Buffer.from('BZh91AY')), 'bzip2');
    assert.equal(sniffLayerCompression(Buffer.from('etc/passwd')), 'none');
    assert.equal(sniffLayerCompression(Buffer.alloc(0)), 'none');
  });

  test('a declared compression contradicted by the bytes is invalid_layer naming the layer', () => {
    assert.doesNotThrow(() => checkLayerMagic('gzip', Buffer.from([0x1f, 0x8b, 8]), 'sha256:aa'));
    assert.doesNotThrow(() => checkLayerMagic('none', Buffer.alloc(0)));
    for (const [declared, head] of [['gzip', Buffer.from('etc/')], ['zstd', Buffer.from([0x1f, 0x8b])], ['none', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])], ['gzip', Buffer.alloc(0)]] as const) {
      assert.throws(() => checkLayerMagic(declared, head, 'sha256:aa'), (err) => err instanceof KilnError && err.code === 'invalid_layer' && err.message.includes('sha256:aa'));
    }
  });
});
