/**
 * The Dockerfile front end's entry point: turns Dockerfile text into a DockerfileAnalysis
 * (build plan, OCI metadata, images, context references, warnings and errors). Pure, never throws.
 */
import type { DockerfileAnalysis } from '../domain/plan-types.ts';
import { problem } from '../errors/errors.ts';
import { assembleAnalysis, emptyAnalysis } from './assemble-analysis.ts';
import { evaluateStages } from './evaluate-stages.ts';
import { parseDockerfileCached } from './parse-cache.ts';
import { hostPlatform, platformArgs, type Platform } from './platform-args.ts';

/** Options of {@link analyzeDockerfile}. */
export interface AnalyzeOptions {
  /** Request build_args (override ARG defaults). */
  buildArgs?: Record<string, string>;
  /** Request build_target. */
  buildTarget?: string;
  /** Returns true when a FROM / COPY --from image ref names a Kiln template rather than an external image. */
  isTemplateRef?: (ref: string) => boolean;
  /** The build platform; defaults to the host's (linux/amd64 on x86_64, linux/arm64/v8 on aarch64). */
  platform?: Platform;
}

/** Largest Dockerfile accepted, in bytes. */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;
/** Largest Dockerfile accepted, in lines. */
export const MAX_DOCKERFILE_LINES = 50_000;
/** The message of the error returned if analysis itself fails unexpectedly. */
export const ANALYSIS_FAILED_MESSAGE = 'The Dockerfile could not be analysed because of an internal failure.';

const NEVER_TEMPLATE = (): boolean => false;

function countLines(text: string, stopAfter: number): number {
  let count = 1;
  for (let i = text.indexOf('\n'); i !== -1 && count <= stopAfter; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

function analyze(text: string, opts: AnalyzeOptions): DockerfileAnalysis {
  if (text.length > MAX_DOCKERFILE_BYTES || Buffer.byteLength(text, 'utf8') > MAX_DOCKERFILE_BYTES) {
    return emptyAnalysis([problem('dockerfile_too_large', `The Dockerfile is larger than ${MAX_DOCKERFILE_BYTES} bytes.`, 'parse')]);
  }
  if (countLines(text, MAX_DOCKERFILE_LINES) > MAX_DOCKERFILE_LINES) {
    return emptyAnalysis([problem('dockerfile_too_large', `The Dockerfile has more than ${MAX_DOCKERFILE_LINES} lines.`, 'parse')]);
  }
  if (text.trim() === '') return emptyAnalysis([problem('dockerfile_parse_error', 'The Dockerfile is empty.', 'parse', { line: 1 })]);
  const parsed = parseDockerfileCached(text);
  const host = opts.platform ?? hostPlatform();
  const buildArgs = opts.buildArgs ?? {};
  const evaluated = evaluateStages(parsed, { buildArgs, isTemplateRef: opts.isTemplateRef ?? NEVER_TEMPLATE, host, platformArgs: platformArgs(host) });
  const { stages, errors, warnings } = evaluated;
  if (stages.length === 0) {
    errors.push(problem('dockerfile_parse_error', 'The Dockerfile has no FROM instruction.', 'parse', { line: Math.min(parsed.lineCount, parsed.instructions[0]?.line ?? 1) }));
    return emptyAnalysis(errors, warnings);
  }
  const unused = Object.keys(buildArgs).filter((name) => !evaluated.declaredArgs.has(name));
  if (unused.length > 0) warnings.push(`build_args ${unused.join(', ')} are not declared by any ARG and have no effect.`);
  let target = stages.length - 1;
  if (opts.buildTarget !== undefined) {
    const wanted = opts.buildTarget.toLowerCase();
    const found = stages.findLastIndex((s) => s.name === wanted);
    if (found === -1) {
      const names = stages.map((s) => s.label).join(', ');
      errors.push(problem('unknown_build_target', `build_target ${JSON.stringify(opts.buildTarget)} names no stage; the stages are: ${names}.`, 'plan', { field: 'build_target' }));
    } else {
      target = found;
    }
  }
  return assembleAnalysis(stages, target, warnings, errors);
}

/** Analyses Dockerfile text; never throws: fatal findings are returned in `errors`. */
export function analyzeDockerfile(text: string, opts: AnalyzeOptions = {}): DockerfileAnalysis {
  try {
    return analyze(typeof text === 'string' ? text : '', opts);
  } catch {
    return emptyAnalysis([problem('dockerfile_parse_error', ANALYSIS_FAILED_MESSAGE, 'parse', { line: 1 })]);
  }
}
