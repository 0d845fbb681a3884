import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { packTar, type FixtureEntry } from '../../context/archive-fixtures.ts';
import { ERROR_CODES } from '../../errors/codes.ts';
import { KilnError } from '../../errors/errors.ts';
import { seededRng, type Rng } from '../../testing/seeded-rng.ts';
import { tempRootfs, WRITE_MODES } from './layer-fixtures.ts';

const LAYER_CODES = new Set(['invalid_layer', 'archive_path_escape', 'special_file_rejected', 'layer_too_large']);
const NAMES = ['a', 'b', 'etc', 'etc/passwd', 'a/b', 'a/b/c', 'lib', 'lib/x', '/abs', '../up', 'a/../../up', '.', './', 'dev/null', 'proc/1', '.wh.a', 'a/.wh.b', 'a/.wh..wh..opq', '.wh..wh..opq', 'outside', 'canary.txt', 'host/outside', 'host/canary.txt', 'loop/x'];

function entries(rng: Rng, host: string): FixtureEntry[] {
  const targets = ['/', '..', '../../..', host, `${host}/canary.txt`, 'a', '/etc', 'loop', 'missing', 'a/b'];
  const list: FixtureEntry[] = [{ name: 'host', type: 'symlink', linkname: host }, { name: 'loop', type: 'symlink', linkname: 'loop' }];
  const n = 3 + rng.int(12);
  for (let i = 0; i < n; i++) {
    const name = rng.pick(NAMES);
    const kind = rng.int(10);
    if (kind < 4) list.push({ name, content: 'x'.repeat(rng.int(3000)), mode: rng.int(0o10000) });
    else if (kind < 6) list.push({ name, type: 'directory', mode: rng.int(0o10000) });
    else if (kind < 8) list.push({ name, type: 'symlink', linkname: rng.pick(targets) });
    else if (kind < 9) list.push({ name, type: 'link', linkname: rng.pick(NAMES) });
    else list.push({ name, type: rng.pick(['fifo', 'character-device', 'block-device'] as const) });
  }
  return list;
}

/** Changes bytes of one header block and fixes its checksum, or truncates, or flips bytes anywhere. */
function mutate(rng: Rng, tar: Buffer): Buffer {
  const out = Buffer.from(tar);
  const how = rng.int(4);
  if (how === 0) return out.subarray(0, rng.int(out.length));
  if (how === 1) {
    for (let i = 0, k = 1 + rng.int(6); i < k; i++) out[rng.int(out.length)] = rng.int(256);
    return out;
  }
  const headers: number[] = [];
  for (let off = 0; off + 512 <= out.length; off += 512) if (out.toString('latin1', off + 257, off + 262) === 'ustar') headers.push(off);
  if (headers.length === 0) return out;
  const off = rng.pick(headers);
  const fields = [[0, 100], [100, 8], [108, 8], [116, 8], [124, 12], [136, 12], [156, 1], [157, 100], [345, 155]] as const;
  for (let i = 0, k = 1 + rng.int(3); i < k; i++) {
    const [start, len] = rng.pick(fields);
    const pos = off + start + rng.int(len);
    out[pos] = how === 2 ? rng.int(256) : rng.pick([0x2e, 0x2f, 0x30, 0x37, 0x00, 0x20, 0x31, 0x35, 0x36]);
  }
  out.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = off; i < off + 512; i++) sum += out[i];
  out.write(sum.toString(8).padStart(6, '0') + '\0 ', off + 148, 'ascii');
  return out;
}

for (const writes of WRITE_MODES) test(`fuzz: mutated layers fail only with layer error codes and never write outside the root (${writes} writes)`, async () => {
  const rng = seededRng(0x1a7e5);
  let failures = 0;
  for (let round = 0; round < 250; round++) {
    const r = await tempRootfs({ writes });
    try {
      await r.apply(await packTar([{ name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' }, { name: 'a/b/c', content: 'lower' }]));
      const tar = await packTar(entries(rng, r.dir));
      const bytes = rng.int(3) === 0 ? tar : mutate(rng, tar);
      const compression = rng.pick(['none', 'gzip'] as const);
      const payload = compression === 'gzip' && rng.int(4) === 0 ? gzipSync(bytes).subarray(0, 10 + rng.int(60)) : bytes;
      try {
        await r.apply(payload, { compression: compression === 'gzip' && payload !== bytes ? 'none' : compression, limits: { maxLayerBytes: 64 * 1024, maxImageBytes: 1 << 30 } });
      } catch (err) {
        failures++;
        assert.ok(err instanceof KilnError, `round ${round}: not a KilnError: ${String((err as Error)?.stack ?? err)}`);
        assert.ok(err.code in ERROR_CODES && LAYER_CODES.has(err.code), `round ${round}: code ${err.code}: ${err.message}`);
      }
      assert.ok(await r.canariesIntact(), `round ${round}: something outside the root changed`);
    } finally {
      await r.cleanup();
    }
  }
  assert.ok(failures > 20 && failures < 250, `a mix of refusals and successes (${failures} refused)`);
});
