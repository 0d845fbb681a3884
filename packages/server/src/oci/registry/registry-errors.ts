/** The errors the registry client throws, all in the `preparing` phase, none carrying a secret. */
import { KilnError } from '../../errors/errors.ts';
import type { RegistryCredentials } from '../../domain/schemas/common-schemas.ts';

/** The registry could not be reached or kept failing; `cause` is a short summary. */
export function registryUnreachable(registry: string, cause: string): KilnError {
  return new KilnError('registry_unreachable', `Registry ${registry} could not be reached: ${cause}.`, { phase: 'preparing' });
}

/** The registry refused access to a repository; `detail` says why, without any secret. */
export function registryAuthFailed(registry: string, repository: string | undefined, detail: string): KilnError {
  const where = repository ? `repository ${repository} on registry ${registry}` : `registry ${registry}`;
  return new KilnError('registry_auth_failed', `Access to ${where} was refused: ${detail}.`, { phase: 'preparing' });
}

/** A manifest or blob does not exist in the registry. */
export function imageNotFound(reference: string, what = 'the image'): KilnError {
  return new KilnError('base_image_not_found',
    `${what === 'the image' ? 'The image' : what} ${reference} was not found in its registry; check the name and tag.`,
    { phase: 'preparing' });
}

/** Content did not match its digest or size. */
export function digestMismatch(what: string, detail: string): KilnError {
  return new KilnError('digest_mismatch', `${what} does not match its descriptor: ${detail}.`, { phase: 'preparing' });
}

/** A manifest of a kind Kiln does not import. */
export function unsupportedManifest(reference: string, detail: string): KilnError {
  return new KilnError('unsupported_manifest', `The manifest of ${reference} cannot be imported: ${detail}.`, { phase: 'preparing' });
}

/** The secret strings in credentials, longest first, for scrubbing text a registry sent back. */
function secretsOf(auth: RegistryCredentials | undefined): string[] {
  if (!auth) return [];
  const values = 'token' in auth ? [auth.token]
    : 'password' in auth ? [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64')]
      : [auth.aws_secret_access_key, auth.aws_access_key_id];
  return values.filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
}

/** Text from a registry with any secret of `auth` replaced by `***`, cut to 200 characters. */
export function scrub(text: string, auth: RegistryCredentials | undefined): string {
  let out = text;
  for (const s of secretsOf(auth)) out = out.split(s).join('***');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > 200 ? `${out.slice(0, 197)}...` : out;
}

/** The `errors[].code: message` summary of a registry's JSON error body, scrubbed; empty when there is none. */
export function registryErrorSummary(body: string, auth: RegistryCredentials | undefined): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    const parts = (parsed.errors ?? []).slice(0, 3).map((e) =>
      [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': '));
    return scrub(parts.filter((p) => p !== '').join('; '), auth);
  } catch {
    return '';
  }
}
