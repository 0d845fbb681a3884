/**
 * Micro-benchmark of the Dockerfile front end: time per analysis of a 100-line Dockerfile
 * against a bare dockerfile-ast parse of the same text, plus a 10,000-line file.
 * Run: node bench/plan/analyze-micro.ts
 */
import { readFileSync } from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';
import { analyzeDockerfile } from '../../packages/server/src/dockerfile/analyze-dockerfile.ts';
import { clearParseCache } from '../../packages/server/src/dockerfile/parse-cache.ts';

const corpus = new URL('../../test/corpus/dockerfiles/', import.meta.url);
const files = ['14-jenkinsci-docker-bookworm.Dockerfile', '18-buildx-multistage.Dockerfile', '20-buildkit-lint.Dockerfile'];

function perCallUs(fn: () => void, minMs = 1500): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  return ((performance.now() - start) * 1000) / n;
}

for (const file of files) {
  const all = readFileSync(new URL(file, corpus), 'utf8').split('\n');
  const text = all.slice(0, 100).join('\n');
  const parse = perCallUs(() => DockerfileParser.parse(text));
  const analyze = perCallUs(() => {
    clearParseCache();
    analyzeDockerfile(text);
  });
  const cached = perCallUs(() => analyzeDockerfile(text));
  const overhead = (analyze - parse) / parse;
  console.log(`${file} (first ${Math.min(100, all.length)} lines): bare parse ${parse.toFixed(1)} µs; analyze (cold) ${analyze.toFixed(1)} µs = ` +
    `parse + ${(overhead * 100).toFixed(0)}% (${(analyze / parse).toFixed(2)}x parse), ${Math.round(1e6 / analyze)}/s per core; ` +
    `analyze (same text again) ${cached.toFixed(1)} µs, ${Math.round(1e6 / cached)}/s per core`);
}

const big: string[] = ['ARG BASE=debian:bookworm', 'FROM $BASE AS s0'];
for (let i = 0; big.length < 10_000; i++) {
  if (i % 500 === 499) big.push(`FROM s${Math.floor(i / 500)} AS s${Math.floor(i / 500) + 1}`);
  else if (i % 5 === 0) big.push(`ENV V${i}="value $V${i - 5} ${i}" W${i}=x`);
  else if (i % 5 === 1) big.push(`RUN echo ${i} && \\`, `    echo more ${i}`);
  else if (i % 5 === 2) big.push(`COPY --chown=app:app src/${i} /app/${i}`);
  else if (i % 5 === 3) big.push(`# comment ${i}`);
  else big.push(`LABEL k${i}="v ${i}"`);
}
const bigText = big.join('\n');
clearParseCache();
const t0 = performance.now();
const result = analyzeDockerfile(bigText);
console.log(`10,000-line Dockerfile: ${(performance.now() - t0).toFixed(1)} ms, ${result.plan.build_steps.length} steps, ${result.errors.length} errors`);
