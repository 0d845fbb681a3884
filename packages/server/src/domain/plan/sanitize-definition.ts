/**
 * The persisted form of a build request: every field except secret values and credentials,
 * which are replaced by their ids and kinds so a retry knows what to ask for again.
 */
import { authKind } from '../schemas/common-schemas.ts';
import type { BuildRequest } from '../schemas/build-request-schema.ts';
import type { CheckedFields } from '../request/check-fields.ts';
import type { ResolvedContext } from './context-resolver.ts';

// claim_token is a credential for a reserved name: checked at start, never stored.
const SECRET_FIELDS = new Set(['base_image_auth', 'registry_auth', 'build_secrets', 'build_context', 'claim_token']);

/** The sanitised definition stored with a build (no secret value, no credential). */
export function sanitizeDefinition(fields: CheckedFields, context: ResolvedContext | undefined): Record<string, unknown> {
  const req: BuildRequest = fields.req;
  const def: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req)) {
    if (!SECRET_FIELDS.has(k) && v !== undefined) def[k] = v;
  }
  def.tags = fields.tags;
  def.build_config = fields.build_config;
  if (req.base_image_auth) def.base_image_auth = { kind: authKind(req.base_image_auth) };
  if (req.registry_auth) def.registry_auth = req.registry_auth.map((r) => ({ registry: r.registry, kind: authKind(r.auth) }));
  if (req.build_secrets) def.build_secrets = req.build_secrets.map((s) => ({ id: s.id }));
  if (context) def.build_context = { context_manifest_id: context.manifest_id, context_digest: context.digest };
  return def;
}

/** The form the source digest is computed over: the definition with the context named by content, not by id. */
export function digestInput(definition: Record<string, unknown>, context: ResolvedContext | undefined): Record<string, unknown> {
  if (!context) return definition;
  return { ...definition, build_context: { context_digest: context.digest } };
}
