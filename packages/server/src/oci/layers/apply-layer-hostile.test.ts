import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chunked, packTar, rawTar } from '../../context/archive-fixtures.ts';
import { KilnError } from '../../errors/errors.ts';
import type { LayerCompression } from '../oci-types.ts';
import { applyLayer } from './apply-layer.ts';
import { compress, describeTree, GENEROUS, tempRootfs as tempRootfsIn, withRootfs as withRootfsIn, WRITE_MODES, type TempRootfs } from './layer-fixtures.ts';


function rejectsWith(code: string, pattern?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof KilnError, `expected a KilnError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

for (const writes of WRITE_MODES) {
  const withRootfs = (fn: (r: TempRootfs) => Promise<void>) => withRootfsIn(fn, { writes });
  const tempRootfs = () => tempRootfsIn({ writes });

  describe(`applyLayer: special files (${writes} writes)`, () => {
    for (const [type, flag] of [['fifo', '6'], ['character-device', '3'], ['block-device', '4']] as const) {
      test(`a ${type} is refused with special_file_rejected naming it`, () => withRootfs(async (r) => {
        const layer = rawTar([{ header: { name: 'ok.txt', typeflag: '0' }, content: Buffer.from('ok') }, { header: { name: 'var/run/thing', typeflag: flag } }]);
        await assert.rejects(r.apply(layer), rejectsWith('special_file_rejected', /"var\/run\/thing"/));
      }));
    }

    test('an entry type tar-stream cannot name (a volume label) is invalid_layer', () => withRootfs(async (r) => {
      await assert.rejects(r.apply(rawTar([{ header: { name: 'label', typeflag: 'V' } }])), rejectsWith('invalid_layer', /"label"/));
    }));
  });

  describe(`applyLayer: the jail (${writes} writes)`, () => {
    test('`../../escape` is refused with archive_path_escape', () => withRootfs(async (r) => {
      await assert.rejects(r.apply(rawTar([{ header: { name: '../../outside', typeflag: '0' }, content: Buffer.from('x') }])), rejectsWith('archive_path_escape', /outside/));
      await assert.rejects(r.apply(rawTar([{ header: { name: 'a/../../outside', typeflag: '0' }, content: Buffer.from('x') }])), rejectsWith('archive_path_escape'));
    }));

    test('absolute entry names are taken relative to the root, as Docker does', () => withRootfs(async (r) => {
      await r.apply(rawTar([{ header: { name: `/${r.canary.slice(1)}`, typeflag: '0' }, content: Buffer.from('inside') }]));
      assert.equal(await readFile(join(r.rootfs, r.canary), 'utf8'), 'inside');
    }));

    test('`evil -> /` then `evil/etc/x` lands at <rootfs>/etc/x', () => withRootfs(async (r) => {
      await r.apply(await packTar([{ name: 'evil', type: 'symlink', linkname: '/' }, { name: 'evil/etc/x', content: 'in' }]));
      assert.equal(await readFile(join(r.rootfs, 'etc/x'), 'utf8'), 'in');
      assert.equal(await readlink(join(r.rootfs, 'evil')), '/');
    }));

    test('a symlink to the host directory holding the root is resolved inside the root', () => withRootfs(async (r) => {
      await r.apply(await packTar([{ name: 'host', type: 'symlink', linkname: r.dir }]));
      await r.apply(await packTar([{ name: 'host/outside', content: 'in' }, { name: 'host/canary.txt', content: 'in' }]));
      assert.equal(await readFile(join(r.rootfs, r.dir, 'outside'), 'utf8'), 'in');
    }));

    test('`dir -> ../../..` then `dir/x` lands at <rootfs>/x (.. stops at the root)', () => withRootfs(async (r) => {
      await r.apply(await packTar([{ name: 'a/dir', type: 'symlink', linkname: '../../..' }, { name: 'a/dir/x', content: 'in' }, { name: 'a/dir/outside', content: 'in' }]));
      assert.equal(await readFile(join(r.rootfs, 'x'), 'utf8'), 'in');
      assert.equal(await readFile(join(r.rootfs, 'outside'), 'utf8'), 'in');
    }));

    test('a symlink in the last component is replaced, never written through', () => withRootfs(async (r) => {
      await r.apply(await packTar([{ name: 'passwd', type: 'symlink', linkname: r.canaryFile }, { name: 'gone', type: 'symlink', linkname: r.canary }]));
      await r.apply(await packTar([{ name: 'passwd', content: 'root' }, { name: 'gone/', type: 'directory' }]));
      assert.equal(await readFile(join(r.rootfs, 'passwd'), 'utf8'), 'root');
      assert.ok((await lstat(join(r.rootfs, 'gone'))).isDirectory());
    }));

    test('a hard link to `../outside` is refused with archive_path_escape', () => withRootfs(async (r) => {
      await assert.rejects(r.apply(rawTar([{ header: { name: 'h', typeflag: '1', linkname: '../outside' } }])), rejectsWith('archive_path_escape', /"h"/));
    }));

    test('a hard link through a symlink to the host resolves inside the root (and fails when absent there)', () => withRootfs(async (r) => {
      const layer = await packTar([{ name: 'up', type: 'symlink', linkname: r.dir }, { name: 'h', type: 'link', linkname: 'up/canary.txt' }]);
      await assert.rejects(r.apply(layer), rejectsWith('invalid_layer', /"h"/));
    }));

    test('a hard link to a symlink links the symlink itself', () => withRootfs(async (r) => {
      await r.apply(await packTar([{ name: 's', type: 'symlink', linkname: r.canaryFile }, { name: 'h', type: 'link', linkname: 's' }]));
      assert.equal(await readlink(join(r.rootfs, 'h')), r.canaryFile);
    }));

    test('a declared directory whose parent is later replaced by a symlink to the host keeps its metadata to itself', () => withRootfs(async (r) => {
      await r.apply(await packTar([
        { name: 'a/canary.txt/', type: 'directory', mode: 0o700 },
        { name: 'x/', type: 'directory' },
        { name: 'x', content: 'replaces a directory' },
        { name: 'a', type: 'symlink', linkname: r.dir },
      ]));
      assert.equal(await readlink(join(r.rootfs, 'a')), r.dir);
    }));

    test('symlink loops fail as invalid_layer', () => withRootfs(async (r) => {
      await assert.rejects(r.apply(await packTar([{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' }, { name: 'a/x', content: 'x' }])), rejectsWith('invalid_layer', /"a\/x"/));
    }));

    test('a file used as a parent directory fails as invalid_layer', () => withRootfs(async (r) => {
      await assert.rejects(r.apply(await packTar([{ name: 'f', content: 'x' }, { name: 'f/x', content: 'x' }])), rejectsWith('invalid_layer', /"f\/x"/));
    }));

    test('whiteouts through a symlink stay inside the root', () => withRootfs(async (r) => {
      await r.apply(await packTar([{ name: 'host', type: 'symlink', linkname: r.dir }]));
      await r.apply(await packTar([{ name: 'host/.wh.canary.txt' }, { name: 'host/.wh.rootfs' }, { name: '.wh..wh..opq' }]));
      assert.deepEqual(await describeTree(r.rootfs), []);
    }));
  });

  describe(`applyLayer: limits (${writes} writes)`, () => {
    test('a gzip bomb stops at the layer limit, long before the whole stream is read', async () => {
      const r = await tempRootfs();
      try {
        // A small tar followed by 1 GiB of zero blocks (which tar readers skip) in about 1 MB of gzip
        // members (gunzip reads concatenated members as one stream); no header declares a large size.
        const zeros = gzipSync(Buffer.alloc(16 * 1024 * 1024));
        const bomb = Buffer.concat([gzipSync(await packTar([{ name: 'a', content: 'a' }])), ...Array.from({ length: 64 }, () => zeros)]);
        const counter = { bytes: 0 };
        const limits = { maxLayerBytes: 1024 * 1024, maxImageBytes: 1 << 30 };
        await assert.rejects(
          applyLayer(chunked(bomb, 4096, counter), { rootfs: r.rootfs, compression: 'gzip', limits, budget: { remainingImageBytes: 1 << 30 }, layerDigest: 'sha256:bomb', writes }),
          rejectsWith('layer_too_large', /limit of 1048576 bytes for one layer\.$/),
        );
        assert.ok(counter.bytes < bomb.byteLength / 8, `read ${counter.bytes} of ${bomb.byteLength} compressed bytes`);
      } finally {
        await r.cleanup();
      }
    });

    test('the expanded stream is counted, not the declared sizes: many small files hit the limit too', () => withRootfs(async (r) => {
      const entries = Array.from({ length: 400 }, (_, i) => ({ name: `f${i}`, content: 'x'.repeat(100) }));
      await assert.rejects(r.apply(await packTar(entries), { compression: 'gzip', limits: { maxLayerBytes: 64 * 1024, maxImageBytes: 1 << 30 } }), rejectsWith('layer_too_large'));
    }));

    test('an absurd declared size is refused before any content is read', () => withRootfs(async (r) => {
      const header = rawTar([{ header: { name: 'huge', typeflag: '0', size: 8 * 1024 ** 3 } }]).subarray(0, 512);
      await assert.rejects(r.apply(header, { limits: { maxLayerBytes: 1 << 20, maxImageBytes: 1 << 30 } }), rejectsWith('layer_too_large', /"huge"/));
    }));

    test('the image budget is shared by layers and decremented', () => withRootfs(async (r) => {
      const budget = { remainingImageBytes: 30 * 1024 };
      const limits = { maxLayerBytes: 1 << 20, maxImageBytes: 30 * 1024 };
      const layer = await packTar([{ name: 'a', content: Buffer.alloc(8 * 1024) }]);
      const stats = await r.apply(layer, { limits, budget });
      assert.equal(budget.remainingImageBytes, 30 * 1024 - stats.bytes);
      await assert.rejects(r.apply(await packTar([{ name: 'b', content: Buffer.alloc(20 * 1024) }]), { limits, budget }), rejectsWith('layer_too_large', /30720 bytes for a whole image/));
    }));
  });

  /** Edits the first header block and recomputes its checksum. */
  function withChecksum(tar: Buffer, edit: (b: Buffer) => void): Buffer {
    const out = Buffer.from(tar);
    edit(out);
    out.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += out[i];
    out.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    return out;
  }

  describe(`applyLayer: corrupt and mislabelled streams (${writes} writes)`, () => {
    const cases: [string, () => Promise<Buffer>, LayerCompression][] = [
      ['gzip declared, plain tar given', () => packTar([{ name: 'a', content: 'a' }]), 'gzip'],
      ['zstd declared, gzip given', async () => gzipSync(await packTar([{ name: 'a', content: 'a' }])), 'zstd'],
      ['tar declared, gzip given', async () => gzipSync(await packTar([{ name: 'a', content: 'a' }])), 'none'],
      ['truncated gzip', async () => { const g = gzipSync(await packTar([{ name: 'a', content: 'a'.repeat(5000) }])); return g.subarray(0, g.length - 40); }, 'gzip'],
      ['gzip with a flipped byte', async () => { const g = gzipSync(await packTar([{ name: 'a', content: 'abc'.repeat(5000) }])); g[30] ^= 0xff; return g; }, 'gzip'],
      ['zstd with garbage after the magic', async () => Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(600, 0xee)]), 'zstd'],
      ['garbage that is not tar', async () => Buffer.alloc(2048, 0x41), 'none'],
      ['a tar cut in the middle of a file', async () => (await packTar([{ name: 'a', content: 'a'.repeat(5000) }])).subarray(0, 2048), 'none'],
      ['an empty gzip layer', async () => Buffer.alloc(0), 'gzip'],
      ['a directory that declares content', async () => rawTar([{ header: { name: 'd/', typeflag: '5' }, content: Buffer.alloc(448, 0x41) }]), 'none'],
      ['a size field tar-stream cannot decode', async () => withChecksum(rawTar([{ header: { name: 'f', typeflag: '0' }, content: Buffer.from('x') }]), (b) => { b[124] = 0x81; }), 'none'],
    ];
    for (const [name, make, compression] of cases) {
      test(`${name}: invalid_layer naming the layer`, () => withRootfs(async (r) => {
        const bytes = await make();
        await assert.rejects(
          applyLayer(chunked(bytes, 512), { rootfs: r.rootfs, compression, limits: GENEROUS, budget: { remainingImageBytes: 1 << 30 }, layerDigest: 'sha256:feed', writes }),
          rejectsWith('invalid_layer', /sha256:feed/),
        );
      }));
    }

    test('an empty uncompressed layer applies nothing', () => withRootfs(async (r) => {
      const stats = await r.apply(Buffer.alloc(0));
      assert.equal(stats.entries, 0);
    }));
  });

  describe(`applyLayer: compressions (${writes} writes)`, () => {
    test('tar, tar+gzip and tar+zstd give identical trees', async () => {
      const layer = await packTar([
        { name: 'etc/', type: 'directory', mode: 0o755 },
        { name: 'etc/os-release', content: 'ID=kiln\n' },
        { name: 'bin/', type: 'directory', mode: 0o755 },
        { name: 'bin/busybox', content: Buffer.alloc(2 * 1024 * 1024, 7), mode: 0o755 },
        { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
        { name: 'bin/ash', type: 'link', linkname: 'bin/busybox', mode: 0o755 },
        { name: 'tmp/', type: 'directory', mode: 0o1777 },
      ]);
      const trees: string[][] = [];
      for (const compression of ['none', 'gzip', 'zstd'] as const) {
        const r = await tempRootfs();
        try {
          const stats = await r.apply(layer, { compression });
          assert.equal(stats.bytes, layer.byteLength);
          trees.push(await describeTree(r.rootfs, true));
        } finally {
          await r.cleanup();
        }
      }
      assert.ok(trees[0].length === 7);
      assert.deepEqual(trees[1], trees[0]);
      assert.deepEqual(trees[2], trees[0]);
      assert.ok(compress(layer, 'zstd').byteLength < layer.byteLength);
    });
  });
}
