/**
 * Retrying a build: a new build of the same template from the original's sanitised, persisted
 * definition. Secret values and credentials were never stored, so the retry body gives them
 * again: `build_secrets` with exactly the original's secret ids, and `base_image_auth` /
 * `registry_auth` wherever the original used them. Optional `tags` replace the original's.
 */
import { Type } from '@sinclair/typebox';
import { problem, type Problem } from '../errors/errors.ts';
import { normalizeRegistry } from '../oci/image-reference.ts';
import { BuildRequestCheckSchema } from './schemas/build-request-schema.ts';
import { typeProblems } from './request/type-check.ts';
import { throwProblems } from './plan-service.ts';

const P = BuildRequestCheckSchema.properties;

/** The retry body: new tags and fresh credentials; nothing else of the definition can change. */
export const RetryRequestSchema = Type.Object({
  tags: P.tags,
  base_image_auth: P.base_image_auth,
  registry_auth: P.registry_auth,
  build_secrets: P.build_secrets,
}, { additionalProperties: false, description: 'A retry: optional new tags, and the secrets and credentials the original build used, given again.' });

const RETRY_FIELDS = Object.keys(RetryRequestSchema.properties);

/** A checked retry body. */
interface RetryBody {
  tags?: string[];
  base_image_auth?: unknown;
  registry_auth?: { registry: string; auth: unknown }[];
  build_secrets?: { id: string; value: string }[];
}

/**
 * The build request a retry starts: the original definition with its context named by the
 * stored manifest, the retry's tags, secrets and credentials. Throws a 400 naming every
 * missing secret id or credential (never a value).
 */
export function retryRequest(definition: Record<string, unknown>, body: unknown): Record<string, unknown> {
  const given = checkRetryBody(body);
  const { base_image_auth: usedBaseAuth, registry_auth: usedRegistries, build_secrets: usedSecrets, build_context: context, ...rest } = definition;
  const problems: Problem[] = [
    ...secretProblems(idsOf(usedSecrets), (given.build_secrets ?? []).map((s) => s.id), given.build_secrets !== undefined),
    ...credentialProblems(usedBaseAuth !== undefined, registriesOf(usedRegistries), given),
  ];
  const request: Record<string, unknown> = { ...rest };
  if (context !== undefined) {
    const manifestId = (context as { context_manifest_id?: unknown }).context_manifest_id;
    if (typeof manifestId === 'string') request.build_context = { context_manifest_id: manifestId };
    else problems.push(problem('context_not_found', 'The original build\'s context was not stored, so it cannot be retried: start a new build with its build_context.', 'context', { field: 'build_context' }));
  }
  if (problems.length) throwProblems(problems);
  if (given.tags !== undefined) request.tags = given.tags;
  if (given.base_image_auth !== undefined) request.base_image_auth = given.base_image_auth;
  // In the original's order, so an unchanged definition keeps its source digest.
  if (given.registry_auth !== undefined) request.registry_auth = inOrderOf(registriesOf(usedRegistries), given.registry_auth, (r) => normalizeRegistry(r.registry));
  if (given.build_secrets !== undefined) request.build_secrets = inOrderOf(idsOf(usedSecrets), given.build_secrets, (s) => s.id);
  return request;
}

/** `items` sorted (stably) by the position of their key in `order`; unknown keys go last. */
function inOrderOf<T>(order: string[], items: T[], key: (item: T) => string): T[] {
  const rank = (item: T) => { const i = order.indexOf(key(item)); return i < 0 ? order.length : i; };
  return [...items].sort((a, b) => rank(a) - rank(b));
}

/** Type-checks the retry body (absent means `{}`); unknown fields are refused, since the definition cannot change. */
function checkRetryBody(body: unknown): RetryBody {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throwProblems([problem('invalid_request', 'The retry body must be a JSON object (or empty).', 'request', { field: 'body' })]);
  }
  const unknown = Object.keys(body).filter((k) => !RETRY_FIELDS.includes(k));
  if (unknown.length) {
    throwProblems(unknown.map((k) => problem('invalid_request', `A retry accepts only ${RETRY_FIELDS.join(', ')}; ${JSON.stringify(k)} cannot be changed on a retry: start a new build to change it.`, 'request', { field: k })));
  }
  const problems = typeProblems(RetryRequestSchema, body);
  if (problems.length) throwProblems(problems);
  return body as RetryBody;
}

/** The secret ids a definition records. */
function idsOf(secrets: unknown): string[] {
  return Array.isArray(secrets) ? secrets.map((s) => String((s as { id?: unknown }).id)) : [];
}

/** The registries (normalised) a definition's registry_auth records. */
function registriesOf(auth: unknown): string[] {
  return Array.isArray(auth) ? auth.map((r) => normalizeRegistry(String((r as { registry?: unknown }).registry))) : [];
}

/** Problems when the retry's secret ids are not exactly the original's. */
function secretProblems(used: string[], given: string[], gaveSecrets: boolean): Problem[] {
  const missing = used.filter((id) => !given.includes(id));
  const extra = given.filter((id) => !used.includes(id));
  if (!missing.length && !extra.length) return [];
  const list = (ids: string[]) => ids.map((id) => JSON.stringify(id)).join(', ');
  const parts: string[] = [];
  if (missing.length) parts.push(`it used secret id${missing.length > 1 ? 's' : ''} ${list(missing)}, which ${gaveSecrets ? 'build_secrets does not give' : 'must be given again in build_secrets (values are never stored)'}`);
  if (extra.length) parts.push(`build_secrets gives ${list(extra)}, which it did not use`);
  return [problem('retry_requires_secrets', `The retried build needs build_secrets with exactly its secret ids: ${parts.join('; ')}.`, 'request', { field: 'build_secrets' })];
}

/** Problems when the retry lacks credentials the original used. */
function credentialProblems(usedBaseAuth: boolean, usedRegistries: string[], given: RetryBody): Problem[] {
  const out: Problem[] = [];
  if (usedBaseAuth && given.base_image_auth === undefined) {
    out.push(problem('retry_requires_credentials', 'The retried build used base_image_auth: give base_image_auth again (credentials are never stored).', 'auth', { field: 'base_image_auth' }));
  }
  const givenRegistries = new Set((given.registry_auth ?? []).map((r) => normalizeRegistry(r.registry)));
  const missing = [...new Set(usedRegistries)].filter((r) => !givenRegistries.has(r));
  if (missing.length) {
    out.push(problem('retry_requires_credentials', `The retried build used registry_auth for ${missing.map((r) => JSON.stringify(r)).join(', ')}: give registry_auth for ${missing.length > 1 ? 'them' : 'it'} again (credentials are never stored).`, 'auth', { field: 'registry_auth' }));
  }
  return out;
}
