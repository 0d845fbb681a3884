import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResults, GOAL_REBUILD_MS, summarize, type BuildBenchResults, type KilnSeries } from './build-report.ts';
import type { KilnRun } from './kiln-builds.ts';

const run = (wallMs: number, phases: Record<string, number> = {}): KilnRun => ({
  buildId: `tb_${wallMs}`, wallMs, postMs: 5, queuedMs: 6, durationMs: wallMs - 10, status: 'ready', phases, cacheSummary: {}, timeline: [],
});
const peerRun = (wallMs: number) => ({ wallMs, cpuMs: wallMs, maxRssBytes: 50e6, imageId: 'sha256:x' });
const series = (cold: number[], cached: number[], layers: number[]): KilnSeries => ({
  cold: cold.map((ms) => run(ms, { step: ms * 0.6, finalize: ms * 0.3 })), cached: cached.map((ms) => run(ms)), layerCached: layers.map((ms) => run(ms, { finalize: ms * 0.9 })),
});

function results(over: Partial<BuildBenchResults> = {}): BuildBenchResults {
  return {
    date: '2026-11-22T08:00:00.000Z', command: 'npm run bench:build',
    machine: { cpus: 2, cpuModel: 'AMD EPYC', memoryGiB: 23.5, node: 'v24.21.0', execPath: '/node', kernel: 'Linux 6.18' },
    versions: { buildah: '1.28.2' }, runs: 3, workDir: '/tmp', dockerfile: 'FROM kiln/debian:bookworm\n', peerCommand: 'bud …',
    native: { ok: true, runs: series([3000, 2000, 4000], [90, 30, 20], [700, 800, 750]) },
    buildkit: { ok: true, runs: series([12000, 13000, 11000], [60, 70, 80], [9000, 9500, 9100]) },
    peer: { cold: [peerRun(6000), peerRun(8000), peerRun(7000)], cached: [peerRun(200), peerRun(300), peerRun(250)] },
    rebuild: { native: [20, 25, 140, 15, 30, 22, 18, 19, 21, 24], buildkit: [19, 20, 21] },
    busyPct: 80, stealPct: 0, loadAverage: [2, 3], wallSeconds: 200, ...over,
  };
}

test('summarize takes the median of every series and judges the rebuild goal on the native median', () => {
  const s = summarize(results());
  assert.deepEqual(s.peer, { cold: 7000, cached: 250 });
  assert.equal(s.native?.cold, 3000);
  assert.equal(s.native?.cached, 30);
  assert.equal(s.native?.layerCached, 750);
  assert.equal(s.native?.coldPhases.step, 1800);
  assert.equal(s.buildkit?.cold, 12000);
  assert.deepEqual({ ...s.rebuild }, { medianMs: 21.5, minMs: 15, maxMs: 140, met: true, buildkitMedianMs: 20 });
});

test('the rebuild goal is met at exactly 150 ms and missed above it', () => {
  assert.equal(summarize(results({ rebuild: { native: [GOAL_REBUILD_MS], buildkit: [] } })).rebuild.met, true);
  const missed = summarize(results({ rebuild: { native: [140, 151, 160], buildkit: [] } })).rebuild;
  assert.equal(missed.met, false);
  assert.equal(missed.buildkitMedianMs, null);
});

test('the report shows Kiln/peer ratios, the goal verdict and each run', () => {
  const text = formatResults(results());
  assert.match(text, /\| cold \(base unpacked, no step cached\)\s+\| 3\.00 s\s+\| 12\.00 s\s+\| 7\.00 s\s+\| 0\.43×\s+\| 1\.71×\s+\|/);
  assert.match(text, /\| fully cached \(identical request \/ second bud\)\s+\| 30 ms\s+\| 70 ms\s+\| 250 ms\s+\| 0\.12×\s+\| 0\.28×\s+\|/);
  assert.match(text, /POST → ready \(native, median of 10\): 22 ms \(min 15 ms, max 140 ms\); goal ≤ 150 ms: met; buildkit backend: 20 ms/);
  assert.match(text, /- native, cold: step 1,800 ms, finalize 900 ms/);
  assert.match(text, /- buildah bud: cold 6\.00 s, 8\.00 s, 7\.00 s; cached 200 ms, 300 ms, 250 ms/);
});

test('a backend that could not run is reported as such, with n/a in its column', () => {
  const text = formatResults(results({ buildkit: { ok: false, error: 'buildah exited with 125' } }));
  assert.match(text, /- Kiln buildkit: did not run: buildah exited with 125/);
  assert.match(text, /\| cold \(base unpacked, no step cached\)\s+\| 3\.00 s\s+\| n\/a\s+\| 7\.00 s\s+\| 0\.43×\s+\| n\/a\s+\|/);
  assert.match(formatResults(results({ rebuild: { native: [200, 210, 190], buildkit: [] } })), /goal ≤ 150 ms: MISSED/);
});
