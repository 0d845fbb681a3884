/**
 * Reuses the analysis of an identical Dockerfile: `analyzeDockerfile` is pure, so the same text
 * with the same build args, target and template refs always gives the same result. Clients
 * re-plan and re-validate the same file often (editors, SDK retries, CI).
 */
import { analyzeDockerfile } from '../../dockerfile/analyze-dockerfile.ts';
import type { DockerfileAnalysis } from '../plan-types.ts';
import { canonicalJson } from '../digest.ts';
import { LruCache } from '../lru-cache.ts';

const MAX_CACHED_TEXT = 256 * 1024;
const cache = new LruCache<string, DockerfileAnalysis>(128);

/** The analysis of `text`, from the cache when the same inputs were analysed recently. Treat the result as read-only. */
export function analyzeCached(text: string, opts: { buildArgs?: Record<string, string>; buildTarget?: string; templateRefs: Set<string> }): DockerfileAnalysis {
  const run = () => analyzeDockerfile(text, {
    buildArgs: opts.buildArgs, buildTarget: opts.buildTarget, isTemplateRef: (r) => opts.templateRefs.has(r),
  });
  if (text.length > MAX_CACHED_TEXT) return run();
  const key = `${canonicalJson([opts.buildArgs ?? null, opts.buildTarget ?? null, [...opts.templateRefs].sort()])}\n${text}`;
  let analysis = cache.get(key);
  if (!analysis) {
    analysis = Object.freeze(run());
    cache.set(key, analysis);
  }
  return analysis;
}
