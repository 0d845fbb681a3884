/**
 * Turns a failed buildah build into the error a user sees: a failing RUN is `step_failed` with
 * its exit code and last output lines; a base image the registry does not have, or will not
 * give with the credentials at hand, is `base_image_not_found` / `registry_auth_failed`; a
 * registry that cannot be reached is `registry_unreachable`; anything else is `dockerfile_build_failed`
 * with buildah's own last lines.
 */
import { KilnError } from '../../errors/errors.ts';
import { runExitCode, type StartedStep } from './step-tracker.ts';

const AUTH_RE = /unauthorized|authentication required|invalid username\/password|requested access to the resource is denied|access denied|denied: /i;
const NOT_FOUND_RE = /manifest unknown|name unknown|repository name not known|no such image|image not known|not found in manifest|no descriptor found for reference|(?:reading|initializing) .*: .*\b(?:not found|does not exist)/i;
const UNREACHABLE_RE = /connection refused|no such host|i\/o timeout|network is unreachable|TLS handshake|server gave HTTP response to HTTPS client|x509: |certificate signed by unknown authority|dial tcp/i;

/** What is known about a failed run. */
export interface FailedRun {
  /** The last output lines, already redacted. */
  tail: string[];
  /** The step that was running. */
  step: StartedStep | undefined;
}

/** buildah's own error (its last `Error:` line and any lines after it, joined), else the last line. */
function errorText(tail: string[]): string {
  for (let i = tail.length - 1; i >= 0; i--) {
    if (/^(?:Error|error)\b/.test(tail[i])) return tail.slice(i).map((l) => l.trim()).filter(Boolean).join(' ');
  }
  return tail.at(-1) ?? 'buildah exited without output';
}

function lastLines(tail: string[]): string {
  return tail.length === 0 ? '' : `\nLast output:\n${tail.join('\n')}`;
}

/** The KilnError for a build that buildah ended with a non-zero exit code. */
export function buildFailure(run: FailedRun): KilnError {
  const { tail, step } = run;
  const where = step ? `Step ${step.step_index}/${step.total_steps} (${step.text.slice(0, 200)})` : 'The build';
  const stepIndex = step?.step_index;
  const exit = runExitCode(tail);
  if (exit !== undefined && step?.instruction !== 'FROM') {
    return new KilnError('step_failed', `${where} exited with code ${exit}.${lastLines(tail)}`, { phase: 'step', stepIndex });
  }
  const line = errorText(tail).replace(/^Error:\s*/, '');
  const pulling = !step || step.instruction === 'FROM' || /creating build container|initializing source|pull/i.test(line);
  if (pulling && AUTH_RE.test(line)) {
    return new KilnError('registry_auth_failed', `${where}: the registry refused to give the base image: ${line}. Pass credentials for its host in registry_auth (or base_image_auth).`, { phase: 'preparing', stepIndex });
  }
  if (pulling && NOT_FOUND_RE.test(line)) {
    return new KilnError('base_image_not_found', `${where}: the base image was not found: ${line}. Check the image name and tag.`, { phase: 'preparing', stepIndex });
  }
  if (pulling && UNREACHABLE_RE.test(line)) {
    return new KilnError('registry_unreachable', `${where}: the registry could not be reached: ${line}.`, { phase: 'preparing', stepIndex });
  }
  return new KilnError('dockerfile_build_failed', `${where} failed: ${line}${lastLines(tail)}`, { phase: 'step', stepIndex });
}
