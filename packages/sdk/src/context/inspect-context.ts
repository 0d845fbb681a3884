/**
 * `Template.inspectBuildContext`: what a build of a template would send, found without the network:
 * the context's files with their digests, what `.dockerignore` leaves out, warnings, unsupported
 * entries, and the build request payload.
 */
import { buildRequestBody, needsContext, type BuildRequestBody, type BuildRequestOptions } from '../builder/build-request.ts';
import type { TemplateState } from '../builder/template-state.ts';
import { contextDigest } from './context-digest.ts';
import { walkContext, type ContextEntry, type UnsupportedEntry } from './walk-context.ts';

/** Options of an inspection: the context directory, and the build options whose payload to show. */
export interface InspectOptions extends BuildRequestOptions {
  /** The build context directory (default: the current directory). */
  contextPath?: string;
  /** The template name the payload carries. */
  name?: string;
}

/** What a build would send. */
export interface BuildContextInspection {
  /** The context directory, absolute. */
  contextPath: string;
  /** Whether the template reads from the context (a copy step, or a Dockerfile COPY/ADD); only then is it uploaded. */
  uploaded: boolean;
  /** Every kept entry (files with size, mode and sha256; directories; symlinks), sorted by path. */
  files: ContextEntry[];
  /** Top-most paths `.dockerignore` leaves out. */
  ignored: string[];
  /** Things worth a look before building. */
  warnings: string[];
  /** Entries a context cannot hold (sockets, FIFOs, devices, symlinks leading outside, unreadable files), left out. */
  unsupported: UnsupportedEntry[];
  /** The `context_digest` the server will compute for these files. */
  contextDigest: string;
  /**
   * The body of `POST /v1/templates/builds`, with credentials and secret values left out; the build
   * adds `build_context.context_manifest_id` once the context is uploaded.
   */
  payload: BuildRequestBody;
}

/** Large directories that are rarely meant to be part of a build context. */
const USUALLY_IGNORED = ['.git', 'node_modules', '__pycache__', '.venv'];

/** Warnings about copy sources that are not in the context. */
function copyWarnings(state: TemplateState, kept: Set<string>, ignored: string[]): string[] {
  const out: string[] = [];
  state.steps.forEach((step, i) => {
    if (step.type !== 'copy') return;
    for (const raw of Array.isArray(step.src) ? step.src : [step.src]) {
      const src = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
      if (src === '' || src === '.' || /[*?[\\]/.test(src)) continue;
      if (kept.has(src)) continue;
      const hidden = ignored.find((p) => src === p || src.startsWith(`${p}/`));
      out.push(hidden
        ? `steps[${i}] copies ${JSON.stringify(raw)}, which .dockerignore excludes (${hidden}).`
        : `steps[${i}] copies ${JSON.stringify(raw)}, which is not in the build context.`);
    }
  });
  return out;
}

/** Inspects the context of a template definition; see {@link BuildContextInspection}. */
export async function inspectContext(state: TemplateState, opts: InspectOptions = {}): Promise<BuildContextInspection> {
  const walked = await walkContext(opts.contextPath ?? process.cwd());
  const uploaded = needsContext(state);
  const warnings: string[] = [];
  if (!uploaded) warnings.push('The template reads no files from the build context (no copy step or COPY/ADD), so the context is not uploaded.');
  const kept = new Set(walked.files.map((f) => f.path));
  warnings.push(...copyWarnings(state, kept, walked.ignored));
  if (uploaded) {
    for (const dir of USUALLY_IGNORED) {
      if (kept.has(dir)) warnings.push(`${dir}/ is part of the build context; add it to .dockerignore unless the build needs it.`);
    }
  }
  for (const u of walked.unsupported) warnings.push(`${u.path} ${u.reason}; it is left out.`);
  return {
    contextPath: walked.root,
    uploaded,
    files: walked.files,
    ignored: walked.ignored,
    warnings,
    unsupported: walked.unsupported,
    contextDigest: contextDigest(walked.files),
    payload: buildRequestBody(state, opts.name, opts, true),
  };
}
