/** Rules for template names, tags and other identifiers in a build request. */

/** Template names and aliases: lowercase letters, digits, `.`, `_`, `-`; 1–128; starts and ends alphanumeric. */
export const TEMPLATE_NAME_RE = /^[a-z0-9](?:[a-z0-9._-]{0,126}[a-z0-9])?$/;

/** Tags: Docker's tag rule (letters, digits, `_`, `.`, `-`; 1–128; not starting with `.` or `-`). */
export const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Environment, build-arg and secret-id keys. */
export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Build secret ids (as BuildKit accepts them). */
export const SECRET_ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;

/** Explains why a template name is invalid, or returns undefined when it is valid. */
export function nameError(name: string): string | undefined {
  if (TEMPLATE_NAME_RE.test(name)) return undefined;
  return `${JSON.stringify(name)} is not a valid template name: use 1–128 lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit.`;
}

/** Explains why a tag is invalid, or returns undefined when it is valid. */
export function tagError(tag: string): string | undefined {
  if (tag.startsWith('tb_')) return `tag ${JSON.stringify(tag)} is reserved: tags starting with "tb_" name builds.`;
  if (TAG_RE.test(tag)) return undefined;
  return `tag ${JSON.stringify(tag)} is invalid: use 1–128 letters, digits, "_", "." or "-", not starting with "." or "-".`;
}
