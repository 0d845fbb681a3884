/**
 * Template names, aliases and name reservations. A tenant's template names and aliases share one
 * namespace: a name resolves to the template with that name, else to the template with that
 * alias. Aliases come from a build request that gives `alias` besides `name` and from renames (the
 * old name stays an alias). A reserved name can become a template only through a build (or
 * rename) that presents its `claim_token`; only the token's SHA-256 is stored. Callers run these
 * inside a store transaction; each takes the tenant's name lock first.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KilnError } from '../../errors/errors.ts';
import type { Store, TemplateRecord } from '../../store/store.ts';
import { newId } from '../ids.ts';

/** Lifetime of a name reservation in seconds: default, least and most. */
export const RESERVATION_TTL_SECONDS = { default: 3600, min: 60, max: 7 * 24 * 3600 } as const;

/** A new claim token: `kct_` and 256 random bits. */
export function newClaimToken(): string {
  return `kct_${randomBytes(32).toString('base64url')}`;
}

/** The SHA-256 (hex) of a claim token, the only form the store keeps. */
export function hashClaimToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The template of the tenant that has `name` as its name or as an alias. */
export async function nameHolder(tx: Store, tenantId: string, name: string): Promise<TemplateRecord | undefined> {
  return await tx.findTemplateByName(tenantId, name) ?? await tx.findTemplateByAlias(tenantId, name);
}

/** The 409 for a name or alias another template of the tenant has. */
export function nameInUse(name: string, holder: TemplateRecord, what = 'name'): KilnError {
  const how = holder.name === name ? 'the name' : 'an alias';
  return new KilnError('name_in_use', `The ${what} ${JSON.stringify(name)} is ${how} of your template ${holder.name} (${holder.id}); choose another ${what}, or remove that alias first.`, { phase: 'request' });
}

/**
 * Checks the reservation of `name` against `claimToken` before a template takes the name, and
 * consumes it when it matches. Throws `name_reserved` when the name is reserved and no token is
 * given, `invalid_claim_token` when the token does not match or the name has no live reservation.
 */
export async function claimName(tx: Store, tenantId: string, name: string, claimToken: string | undefined, now: string): Promise<void> {
  const r = await tx.getNameReservation(tenantId, name);
  const live = r !== undefined && r.expires_at > now;
  if (!live) {
    if (claimToken === undefined) return;
    const why = r ? `its reservation expired at ${r.expires_at}` : 'it is not reserved';
    throw new KilnError('invalid_claim_token', `claim_token was given for the template name ${JSON.stringify(name)}, but ${why}: reserve the name again with POST /v1/templates/reservations, or omit claim_token.`, { phase: 'request' });
  }
  if (claimToken === undefined) {
    throw new KilnError('name_reserved', `The template name ${JSON.stringify(name)} is reserved until ${r.expires_at}: pass the claim_token that POST /v1/templates/reservations returned, or choose another name.`, { phase: 'request' });
  }
  const given = Buffer.from(hashClaimToken(claimToken), 'hex');
  if (!timingSafeEqual(given, Buffer.from(r.token_hash, 'hex'))) {
    throw new KilnError('invalid_claim_token', `claim_token does not match the reservation of the template name ${JSON.stringify(name)}; pass the token its reservation returned.`, { phase: 'request' });
  }
  await tx.deleteNameReservation(tenantId, name);
}

/** Makes `alias` an alias of `template`, unless it already is; 409 when another template has it or it is reserved. */
export async function addAlias(tx: Store, template: TemplateRecord, alias: string, now: string): Promise<void> {
  const holder = await nameHolder(tx, template.tenant_id, alias);
  if (holder?.id === template.id) return;
  if (holder) throw nameInUse(alias, holder, 'alias');
  const r = await tx.getNameReservation(template.tenant_id, alias);
  if (r && r.expires_at > now) {
    throw new KilnError('name_reserved', `The alias ${JSON.stringify(alias)} is a name reserved until ${r.expires_at}; choose another alias.`, { phase: 'request' });
  }
  await tx.insertTemplateAlias({ tenant_id: template.tenant_id, alias, template_id: template.id, created_at: now });
}

/** What a build request says about its template's names. */
export interface BuildNames {
  name: string;
  /** The request's `alias`, when it was given besides a different `name`. */
  alias?: string;
  claim_token?: string;
}

/**
 * The template a build belongs to: the tenant's template with the name (or alias), or a new one
 * (taking a reservation with the claim token); `requireExisting` (the second platform's `update`)
 * says whether it must exist already. The request's alias is added to the template.
 */
export async function templateForBuild(tx: Store, tenantId: string, req: BuildNames, now: string, requireExisting?: boolean): Promise<TemplateRecord> {
  await tx.lockTemplateNames(tenantId);
  const existing = await nameHolder(tx, tenantId, req.name);
  if (requireExisting === false && existing) {
    throw new KilnError('template_exists', `Template ${JSON.stringify(req.name)} already exists. Set update=true to update it.`);
  }
  if (requireExisting === true && !existing) {
    throw new KilnError('template_not_found', `Template ${JSON.stringify(req.name)} does not exist; set update=false to create it.`);
  }
  let template = existing;
  if (template) {
    await tx.touchTemplate(tenantId, template.id, now);
  } else {
    await claimName(tx, tenantId, req.name, req.claim_token, now);
    template = { id: newId('tmpl'), tenant_id: tenantId, name: req.name, description: null, visibility: 'private', created_at: now, updated_at: now };
    await tx.insertTemplate(template);
  }
  if (req.alias !== undefined && req.alias !== template.name) await addAlias(tx, template, req.alias, now);
  return template;
}
