import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResults, imageMedians, judgeGoals, median, type ImageBench, type ImportBenchResults, type RecordedSample } from './report.ts';

const tree = { regularFiles: 5, regularBytes: 500, directories: 1, symlinks: 0, other: 0 };
const sample = (wallMs: number, maxRssBytes: number, reportedMs?: number): RecordedSample => ({
  wallMs, cpuMs: wallMs / 2, sysMs: wallMs / 4, maxRssBytes, steps: [{ name: 'x', wallMs, cpuMs: wallMs / 2, sysMs: wallMs / 4, maxRssBytes }], reportedMs, tree,
});

function image(name: string, kiln: RecordedSample[], peer: RecordedSample[]): ImageBench {
  return {
    name, ref: `bench/${name}:t`, layers: 1, layerBytes: 1e6, uncompressedBytes: 3e6, kiln, peer,
    medians: imageMedians(kiln, peer), kilnMaxRssBytes: Math.max(...kiln.map((k) => k.maxRssBytes)),
  };
}

test('median takes the middle value, or the mean of the middle two', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('imageMedians divides the median Kiln wall time by the median peer wall time', () => {
  const m = imageMedians([sample(500, 80e6, 400), sample(700, 90e6, 600), sample(600, 85e6, 500)], [sample(1000, 30e6), sample(1200, 30e6), sample(900, 30e6)]);
  assert.equal(m.kilnWallMs, 600);
  assert.equal(m.peerWallMs, 1000);
  assert.equal(m.ratio, 0.6);
  assert.equal(m.kilnRssBytes, 85e6);
  assert.equal(m.kilnReportedMs, 500);
});

test('judgeGoals meets the ratio at exactly 0.6× and judges memory on the highest run', () => {
  const ok = image('ok', [sample(600, 100e6)], [sample(1000, 20e6)]);
  const fat = image('fat', [sample(100, 100e6), sample(100, 151e6), sample(100, 100e6)], [sample(1000, 20e6)]);
  assert.deepEqual(judgeGoals([ok]).wallRatio.met, true);
  assert.deepEqual(judgeGoals([ok]).kilnRss.met, true);
  const both = judgeGoals([ok, fat]);
  assert.equal(both.wallRatio.met, true);
  assert.equal(both.kilnRss.met, false);
  assert.equal(both.kilnRss.values.fat, 151e6);
  assert.equal(judgeGoals([image('slow', [sample(700, 1e6)], [sample(1000, 1e6)])]).wallRatio.met, false);
});

test('formatResults prints each image with its ratio and verdicts', () => {
  const images = [image('debian-minbase', [sample(600, 100e6, 500)], [sample(2000, 20e6)])];
  const r: ImportBenchResults = {
    date: '2026-11-22T07:00:00.000Z', command: 'npm run bench:import',
    machine: { cpus: 2, cpuModel: 'test', memoryGiB: 1, node: 'v24.0.0', execPath: 'node', kernel: 'Linux' },
    versions: { skopeo: '1.9.3' }, runs: 1, workDir: '/tmp', images, goals: judgeGoals(images), busyPct: 50, stealPct: 0, loadAverage: [1, 2], kilnStartup: { wallMs: 900, maxRssBytes: 120e6 },
    kilnFirstRun: { image: 'debian-minbase', wallMs: 1500, maxRssBytes: 130e6 }, wallSeconds: 12,
  };
  const text = formatResults(r);
  assert.match(text, /debian-minbase/);
  assert.match(text, /0\.30× met/);
  assert.match(text, /100\.0 MB \(100\.0 MB\) met/);
  assert.match(text, /kiln --help, median\): 0\.90 s, peak RSS 120\.0 MB/);
  assert.match(text, /first import \(debian-minbase, empty compile cache, not in the medians\): 1\.50 s, peak RSS 130\.0 MB/);
});
