/**
 * Template refs and versioning: read templates, move and remove tags, manage aliases, reserve and
 * rename names, set visibility, delete. Refs are ids (`tmpl_…`), `name`, `name:tag`, `name:tb_…` or
 * `namespace/name:tag`.
 */
import { KilnClient, seg } from './http/client.ts';
import type { ConnectionOptions } from './http/connection.ts';
import type { TemplateInfo, Visibility } from './types.ts';

/** Options of a template listing. */
export interface ListTemplatesOptions {
  /** `next_cursor` of the previous page. */
  cursor?: string;
  /** Page size, 1–100 (default 20). */
  limit?: number;
  /** Only templates whose name starts with this. */
  name?: string;
  /** Only these fields of each template. */
  fields?: (keyof TemplateInfo)[];
}

/** A page of templates, newest first. */
export interface TemplatePage {
  templates: TemplateInfo[];
  next_cursor: string | null;
}

/** What assigning tags did: the build they point at now, and the template after the move. */
export interface AssignedTags {
  build_id: string;
  tags: string[];
  template: TemplateInfo;
}

/** One alias of a template. */
export interface TemplateAlias {
  alias: string;
  created_at: string;
}

/** A name reservation; `claim_token` is shown only once. */
export interface NameReservation {
  name: string;
  claim_token: string;
  expires_at: string;
}

/** The answer to a delete. */
export interface DeletedTemplate {
  id: string;
  name: string;
  deleted: true;
}

const fieldsQuery = (fields?: readonly string[]) => (fields && fields.length ? fields.join(',') : undefined);

/** `GET /v1/templates/{ref}`. */
export function getTemplate(ref: string, opts: ConnectionOptions & { fields?: (keyof TemplateInfo)[] } = {}): Promise<TemplateInfo> {
  return new KilnClient(opts).json<TemplateInfo>('GET', `/v1/templates/${seg(ref)}`, { query: { fields: fieldsQuery(opts.fields) } });
}

/** `GET /v1/templates`. */
export function listTemplates(opts: ConnectionOptions & ListTemplatesOptions = {}): Promise<TemplatePage> {
  return new KilnClient(opts).json<TemplatePage>('GET', '/v1/templates', {
    query: { cursor: opts.cursor, limit: opts.limit, name: opts.name, fields: fieldsQuery(opts.fields) },
  });
}

/** `POST /v1/templates/{ref}/tags`. */
export function assignTags(ref: string, tags: string[], opts: ConnectionOptions & { buildId?: string } = {}): Promise<AssignedTags> {
  const json: Record<string, unknown> = { tags };
  if (opts.buildId !== undefined) json.build_id = opts.buildId;
  return new KilnClient(opts).json<AssignedTags>('POST', `/v1/templates/${seg(ref)}/tags`, { json });
}

/** `DELETE /v1/templates/{ref}/tags/{tag}`. */
export function removeTag(ref: string, tag: string, opts: ConnectionOptions = {}): Promise<TemplateInfo> {
  return new KilnClient(opts).json<TemplateInfo>('DELETE', `/v1/templates/${seg(ref)}/tags/${seg(tag)}`);
}

/** `GET /v1/templates/{ref}/aliases`. */
export async function listAliases(ref: string, opts: ConnectionOptions = {}): Promise<TemplateAlias[]> {
  return (await new KilnClient(opts).json<{ aliases: TemplateAlias[] }>('GET', `/v1/templates/${seg(ref)}/aliases`)).aliases;
}

/** `DELETE /v1/templates/{ref}/aliases/{alias}`; the aliases left. */
export async function removeAlias(ref: string, alias: string, opts: ConnectionOptions = {}): Promise<TemplateAlias[]> {
  return (await new KilnClient(opts).json<{ aliases: TemplateAlias[] }>('DELETE', `/v1/templates/${seg(ref)}/aliases/${seg(alias)}`)).aliases;
}

/** `POST /v1/templates/reservations`. */
export function reserveName(name: string, opts: ConnectionOptions & { ttlSeconds?: number } = {}): Promise<NameReservation> {
  const json: Record<string, unknown> = { name };
  if (opts.ttlSeconds !== undefined) json.ttl_seconds = opts.ttlSeconds;
  return new KilnClient(opts).json<NameReservation>('POST', '/v1/templates/reservations', { json });
}

/** `POST /v1/templates/{ref}/rename`. */
export function renameTemplate(ref: string, name: string, opts: ConnectionOptions & { claimToken?: string; keepAlias?: boolean } = {}): Promise<TemplateInfo> {
  const json: Record<string, unknown> = { name };
  if (opts.claimToken !== undefined) json.claim_token = opts.claimToken;
  if (opts.keepAlias !== undefined) json.keep_alias = opts.keepAlias;
  return new KilnClient(opts).json<TemplateInfo>('POST', `/v1/templates/${seg(ref)}/rename`, { json });
}

/** `POST /v1/templates/{ref}/visibility`. */
export function setVisibility(ref: string, visibility: Visibility, opts: ConnectionOptions = {}): Promise<TemplateInfo> {
  return new KilnClient(opts).json<TemplateInfo>('POST', `/v1/templates/${seg(ref)}/visibility`, { json: { visibility } });
}

/** `DELETE /v1/templates/{ref}`. */
export function deleteTemplate(ref: string, opts: ConnectionOptions = {}): Promise<DeletedTemplate> {
  return new KilnClient(opts).json<DeletedTemplate>('DELETE', `/v1/templates/${seg(ref)}`);
}
