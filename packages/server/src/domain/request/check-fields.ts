/**
 * Field-level rules of a build request: types from the schema, then each field's own
 * documented rules. Every problem is collected; nothing throws.
 */
import { problem, type Problem } from '../../errors/errors.ts';
import { BUILD_CONFIG_LIMITS, BUILD_REQUEST_FIELDS, BuildRequestCheckSchema, type BuildRequest } from '../schemas/build-request-schema.ts';
import { typeProblems } from './type-check.ts';
import { ENV_KEY_RE, SECRET_ID_RE, nameError, tagError } from './names.ts';
import { checkReadiness } from './check-readiness.ts';
import { parseImageReference, registryHostOf } from '../../oci/image-reference.ts';
import { newId } from '../ids.ts';

/** Normalised build VM configuration. */
export interface BuildConfig {
  vcpus: number;
  memory_mib: number;
  disk_mb: number;
  internet_access: boolean;
}

/** A request whose fields passed their own rules, with defaults applied. */
export interface CheckedFields {
  req: BuildRequest;
  name: string;
  /** Where the name came from. */
  name_source: 'name' | 'alias' | 'generated';
  tags: string[];
  build_config: BuildConfig;
}

/** Result of {@link checkFields}: problems, warnings, and the checked request when the body is an object. */
export interface FieldCheck {
  problems: Problem[];
  warnings: string[];
  fields?: CheckedFields;
}

const MAX_TEXT = 1024 * 1024;

/** Checks every field of a build request body. */
export function checkFields(body: unknown): FieldCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { problems: [problem('invalid_request', 'The request body must be a JSON object.', 'request', { field: 'body' })], warnings: [] };
  }
  const problems = typeProblems(BuildRequestCheckSchema, body);
  const badTop = new Set(problems.map((p) => (p.field ?? '').split(/[.[]/)[0]));
  const warnings: string[] = [];
  const raw = body as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!BUILD_REQUEST_FIELDS.has(key)) warnings.push(`Unknown field ${JSON.stringify(key)} was ignored.`);
  }
  // Later rules see only fields whose types are right: a mistyped field is reported once, here.
  const req = Object.fromEntries(Object.entries(raw).filter(([k]) => !badTop.has(k))) as BuildRequest;
  const ok = (k: keyof BuildRequest) => req[k] !== undefined;
  const add = (code: Problem['code'], message: string, field: string) => problems.push(problem(code, message, 'request', { field }));

  // Name, alias, tags.
  for (const k of ['name', 'alias'] as const) {
    if (ok(k)) {
      const err = nameError(req[k] as string);
      if (err) add('invalid_name', `${k}: ${err}`, k);
    }
  }
  if (ok('name') && ok('alias') && req.name !== req.alias) {
    warnings.push(`Both name and alias were given; the template is named ${JSON.stringify(req.name)}.`);
  }
  const name = (ok('name') ? req.name : ok('alias') ? req.alias : undefined) ?? `template-${newId('x').slice(2, 12)}`;
  const nameSource = ok('name') ? 'name' : ok('alias') ? 'alias' : 'generated';
  let tags = ['default'];
  if (ok('tags')) {
    const t = req.tags as string[];
    if (t.length === 0) add('invalid_tags', 'tags is an empty array: omit it to use ["default"], or give at least one tag.', 'tags');
    if (t.length > 32) add('invalid_tags', `tags has ${t.length} entries; at most 32 are allowed.`, 'tags');
    t.forEach((tag, i) => { const e = tagError(tag); if (e) add('invalid_tags', e, `tags[${i}]`); });
    if (new Set(t).size !== t.length) add('invalid_tags', 'tags holds the same tag twice.', 'tags');
    tags = [...new Set(t)];
  }

  // Text fields.
  for (const k of ['dockerfile', 'start_cmd', 'base_image', 'dockerfile_path', 'build_target', 'claim_token'] as const) {
    if (!ok(k)) continue;
    const v = req[k] as string;
    if (v.includes('\0')) add('invalid_request', `${k} contains a NUL character.`, k);
    if (k !== 'dockerfile' && v.length > 4096) add('invalid_request', `${k} is longer than 4096 characters.`, k);
    if (k === 'dockerfile' && v.length > MAX_TEXT) add('dockerfile_too_large', `dockerfile is ${v.length} characters; at most ${MAX_TEXT} are accepted.`, k);
    if (k !== 'dockerfile' && v.trim() === '') add('invalid_request', `${k} is empty: omit it or give a value.`, k);
  }
  if (ok('base_image') && (req.base_image as string).trim() !== '') {
    const parsed = parseImageReference(req.base_image as string);
    if (typeof parsed === 'string') add('invalid_image_reference', `base_image ${JSON.stringify(req.base_image)} is invalid: ${parsed}.`, 'base_image');
  }
  if (ok('dockerfile_path')) {
    const p = req.dockerfile_path as string;
    if (p.startsWith('/') || p.split('/').includes('..')) {
      add('invalid_request', `dockerfile_path ${JSON.stringify(p)} must be a relative path inside the build context.`, 'dockerfile_path');
    }
  }
  if (ok('build_target') && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(req.build_target as string)) {
    add('unknown_build_target', `build_target ${JSON.stringify(req.build_target)} is not a valid stage name.`, 'build_target');
  }

  // Maps of names.
  for (const k of ['build_envs', 'build_args'] as const) {
    if (!ok(k)) continue;
    for (const [key, value] of Object.entries(req[k] as Record<string, string>)) {
      if (!ENV_KEY_RE.test(key)) add('invalid_request', `${k}: ${JSON.stringify(key)} is not a valid variable name (letters, digits and "_", not starting with a digit).`, `${k}.${key}`);
      if (value.includes('\0')) add('invalid_request', `${k}.${key} contains a NUL character.`, `${k}.${key}`);
    }
  }

  // Build configuration.
  const build_config: BuildConfig = {
    vcpus: BUILD_CONFIG_LIMITS.vcpus.default,
    memory_mib: BUILD_CONFIG_LIMITS.memory_mib.default,
    disk_mb: BUILD_CONFIG_LIMITS.disk_mb.default,
    internet_access: true,
  };
  if (ok('build_config')) {
    const bc = req.build_config!;
    for (const k of ['vcpus', 'memory_mib', 'disk_mb'] as const) {
      const v = bc[k];
      if (v === undefined) continue;
      const lim = BUILD_CONFIG_LIMITS[k];
      if (v < lim.min || v > lim.max) add('build_config_out_of_range', `build_config.${k} is ${v}; it must be from ${lim.min} to ${lim.max}.`, `build_config.${k}`);
      else build_config[k] = v;
    }
    if (bc.internet_access !== undefined) build_config.internet_access = bc.internet_access;
  }

  // Runtime configuration.
  if (ok('runtime_config')) {
    const rc = req.runtime_config!;
    for (const key of Object.keys(rc.envs ?? {})) {
      if (!ENV_KEY_RE.test(key)) add('invalid_runtime_config', `runtime_config.envs: ${JSON.stringify(key)} is not a valid variable name.`, `runtime_config.envs.${key}`);
    }
    if (rc.workdir !== undefined && !rc.workdir.startsWith('/')) add('invalid_runtime_config', 'runtime_config.workdir must be an absolute path.', 'runtime_config.workdir');
    if (rc.user !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(rc.user)) {
      add('invalid_runtime_config', `runtime_config.user ${JSON.stringify(rc.user)} is not a user name or uid (optionally :group).`, 'runtime_config.user');
    }
    if (rc.readiness) problems.push(...checkReadiness(rc.readiness, 'runtime_config.readiness'));
  }

  // Secrets and credentials (values are never echoed).
  if (ok('build_secrets')) {
    const seen = new Set<string>();
    req.build_secrets!.forEach((s, i) => {
      if (!SECRET_ID_RE.test(s.id)) add('invalid_secret', `build_secrets[${i}].id ${JSON.stringify(s.id)} is invalid: use 1–128 letters, digits, ".", "_" or "-".`, `build_secrets[${i}].id`);
      if (seen.has(s.id)) add('invalid_secret', `build_secrets[${i}].id ${JSON.stringify(s.id)} appears twice.`, `build_secrets[${i}].id`);
      seen.add(s.id);
    });
  }
  if (ok('registry_auth')) {
    const seen = new Set<string>();
    req.registry_auth!.forEach((r, i) => {
      const host = registryHostOf(r.registry);
      if (!/^[a-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-f:]+\](?::\d{1,5})?$/.test(host)) {
        add('registry_auth_mismatch', `registry_auth[${i}].registry ${JSON.stringify(r.registry)} is not a registry host (host or host:port).`, `registry_auth[${i}].registry`);
      }
      if (seen.has(host)) add('invalid_request', `registry_auth names ${host} twice.`, `registry_auth[${i}].registry`);
      seen.add(host);
    });
  }

  return {
    problems,
    warnings,
    fields: { req, name, name_source: nameSource, tags, build_config },
  };
}
