/**
 * Rules for the values a declarative step may carry. Each check returns a reason the value is
 * refused, or `undefined` when it is acceptable; none of them throws.
 */

/** Longest string Kiln accepts in any single step field other than a command. */
export const MAX_FIELD_CHARS = 4096;

/** Longest shell command Kiln accepts in a `run` step or a `RUN` args entry. */
export const MAX_COMMAND_CHARS = 65536;

/** Control characters and Unicode line separators; allowed nowhere except tabs and newlines in commands. */
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/;

/** Refuses strings no field may hold: too long, not well-formed Unicode, or with control characters or line breaks. */
export function checkText(s: string, opts: { maxChars?: number; allowTab?: boolean } = {}): string | undefined {
  const max = opts.maxChars ?? MAX_FIELD_CHARS;
  if (s.length > max) return `is longer than ${max} characters`;
  if (!s.isWellFormed()) return 'is not well-formed Unicode (it holds a lone surrogate)';
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (/[\n\r]/.test(s)) return 'contains a line break, which would start a new Dockerfile instruction';
  if (FORBIDDEN_CHARS.test(s) || (!opts.allowTab && s.includes('\t'))) return 'contains a control character';
  return undefined;
}

/** Refuses shell commands that hold NUL, lone surrogates or control characters other than tab, newline and carriage return. */
export function checkCommand(s: string): string | undefined {
  if (s.length > MAX_COMMAND_CHARS) return `is longer than ${MAX_COMMAND_CHARS} characters`;
  if (!s.isWellFormed()) return 'is not well-formed Unicode (it holds a lone surrogate)';
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) return 'contains a control character';
  if (s.trim() === '') return 'is empty';
  return undefined;
}

/** Refuses one exec-form argument that holds NUL, lone surrogates or control characters other than tab and line breaks. */
export function checkArgvItem(s: string): string | undefined {
  return s.trim() === '' ? (s.length > MAX_COMMAND_CHARS ? `is longer than ${MAX_COMMAND_CHARS} characters` : undefined) : checkCommand(s);
}

/** Refuses a path that is empty, has control characters or backslashes; see {@link normalisePath}. */
export function checkPath(s: string): string | undefined {
  if (s === '') return 'is empty';
  const bad = checkText(s);
  if (bad) return bad;
  if (s.includes('\\')) return 'contains a backslash; Kiln does not accept backslashes in paths';
  if (s !== s.trim()) return 'has leading or trailing whitespace';
  return undefined;
}

/**
 * Normalises a checked path without changing what it names: collapses repeated slashes and `.`
 * segments (keeping `..` and a trailing slash), and prefixes `./` to a relative path starting with `-`.
 */
export function normalisePath(s: string): string {
  const absolute = s.startsWith('/');
  const trailing = s.length > 1 && s.endsWith('/');
  const parts = s.split('/').filter((p) => p !== '' && p !== '.');
  let out = (absolute ? '/' : '') + parts.join('/');
  if (out === '') return absolute ? '/' : '.';
  if (trailing && out !== '/') out += '/';
  if (out.startsWith('-')) out = `./${out}`;
  return out;
}

/** True when a relative path climbs out of its root with a leading `..` segment. */
export function climbsOut(normalised: string): boolean {
  return !normalised.startsWith('/') && (normalised === '..' || normalised.startsWith('../'));
}

/** Debian package names with optional `:arch` and `=version` (the forms `apt-get install` accepts). */
const APT_PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9][a-z0-9-]*)?(?:=[0-9][A-Za-z0-9.+~:-]*)?$/;

/** Refuses anything but a Debian package name, optionally with `:arch` and `=version`. */
export function checkAptPackage(s: string): string | undefined {
  if (s.length > 256) return 'is longer than 256 characters';
  if (!APT_PACKAGE.test(s)) return 'is not a Debian package name (lower-case letters, digits, "+", "-", "."; optional ":arch" and "=version")';
  return undefined;
}

/** A PEP 508 distribution name. */
const PIP_NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
/** One PEP 440 version clause: an operator and a version (with `*` for prefix matching). */
const PIP_CLAUSE = '(?:~=|===|==|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+';
/** A PEP 508 requirement without environment markers or URLs, and without whitespace. */
const PIP_REQUIREMENT = new RegExp(`^${PIP_NAME}(?:\\[${PIP_NAME}(?:,${PIP_NAME})*\\])?(?:${PIP_CLAUSE}(?:,${PIP_CLAUSE})*)?$`);

/** Refuses anything but a PEP 508 requirement (name, extras, version specifiers; no markers, URLs or spaces). */
export function checkPipRequirement(s: string): string | undefined {
  if (s.length > 512) return 'is longer than 512 characters';
  if (s.startsWith('-')) return 'starts with "-", which pip would read as an option';
  if (!PIP_REQUIREMENT.test(s)) {
    return 'is not a pip requirement such as "requests", "requests[socks]>=2.31,<3" (no spaces, markers, URLs or options)';
  }
  return undefined;
}

/** An npm package name, optionally scoped; legacy upper-case names are accepted. */
const NPM_NAME = '(?:@[A-Za-z0-9~-][A-Za-z0-9._~-]*/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*';
/** A version, range or dist-tag after `@`. */
const NPM_SPEC = /^(?:[A-Za-z0-9._-]+|[0-9A-Za-z.+^~<>=*| -]+)$/;

/** Refuses anything but `name`, `@scope/name`, or either with `@version`, `@range` or `@tag`. */
export function checkNpmPackage(s: string): string | undefined {
  if (s.length > 512) return 'is longer than 512 characters';
  if (s.startsWith('-')) return 'starts with "-", which npm would read as an option';
  const m = new RegExp(`^(${NPM_NAME})(?:@(.+))?$`).exec(s);
  if (!m) return 'is not an npm package spec such as "typescript", "@types/node@^24" or "left-pad@latest"';
  const name = m[1].includes('/') ? m[1].slice(m[1].indexOf('/') + 1) : m[1];
  if (name.length > 214 || name.startsWith('.') || name.startsWith('_')) return 'is not a valid npm package name';
  const spec = m[2];
  if (spec !== undefined && (!NPM_SPEC.test(spec) || spec !== spec.trim() || spec.includes('  '))) {
    return 'has a version part that is not a version, range or dist-tag';
  }
  return undefined;
}

/** Refuses git URLs other than http(s)://, ssh:// and scp-like `user@host:path`, and any transport or option trick. */
export function checkGitUrl(s: string): string | undefined {
  const bad = checkText(s);
  if (bad) return bad;
  if (s.startsWith('-')) return 'starts with "-", which git would read as an option';
  if (/\s/.test(s)) return 'contains whitespace';
  if (s.includes('::')) return 'uses a git transport helper ("::"), which Kiln does not allow';
  const scp = /^([A-Za-z0-9._][A-Za-z0-9._-]*)@([A-Za-z0-9][A-Za-z0-9.-]*):([^-/:][^:]*)$/.exec(s);
  if (scp) return undefined;
  let url: URL;
  try { url = new URL(s); } catch { return 'is not a URL; use https://, http://, ssh:// or user@host:path'; }
  if (!['https:', 'http:', 'ssh:'].includes(url.protocol)) return `uses the scheme "${url.protocol}"; use https://, http://, ssh:// or user@host:path`;
  const host = url.hostname;
  if (host === '' || host.startsWith('-') || decodeURIComponent(url.username).startsWith('-')) return 'has a host or user name that starts with "-" or is empty';
  return undefined;
}

/** Refuses branch or tag names that `git check-ref-format --branch` would reject, or that start with "-". */
export function checkGitBranch(s: string): string | undefined {
  if (s === '') return 'is empty';
  if (s.length > 255) return 'is longer than 255 characters';
  if (s.startsWith('-')) return 'starts with "-", which git would read as an option';
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(s)) return 'contains a space, control character or one of ~ ^ : ? * [ \\';
  if (s.includes('..') || s.includes('@{') || s === '@' || s.includes('//')) return 'contains "..", "@{", "//" or is "@"';
  if (s.startsWith('/') || s.endsWith('/') || s.endsWith('.')) return 'starts or ends with "/" or ends with "."';
  if (s.split('/').some((c) => c.startsWith('.') || c.endsWith('.lock'))) return 'has a component starting with "." or ending with ".lock"';
  return undefined;
}

/** Parses a file mode given as an octal string ("0755") or as its numeric value (493); undefined when invalid. */
export function parseMode(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0o7777 ? v : undefined;
  if (typeof v === 'string' && /^[0-7]{1,5}$/.test(v)) {
    const n = Number.parseInt(v, 8);
    return n <= 0o7777 ? n : undefined;
  }
  return undefined;
}

/** Renders a file mode as four octal digits, as chmod, mkdir -m and COPY --chmod take it. */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** Environment variable and build argument names. */
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Refuses environment variable or build argument names other than `[A-Za-z_][A-Za-z0-9_]*`. */
export function checkEnvKey(s: string): string | undefined {
  if (s.length > 256) return 'is longer than 256 characters';
  return ENV_KEY.test(s) ? undefined : 'is not a variable name (letters, digits and "_", not starting with a digit)';
}

/** A user or group: a name or a numeric id. */
const USER_PART = '(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}|[0-9]{1,10})';
const USER_SPEC = new RegExp(`^${USER_PART}(?::${USER_PART})?$`);

/** Refuses user specs other than `name`, `uid`, `name:group` and `uid:gid` (ids at most 4294967294). */
export function checkUser(s: string): string | undefined {
  if (!USER_SPEC.test(s)) return 'is not a user such as "app", "1000", "app:app" or "1000:1000"';
  if (s.split(':').some((p) => /^[0-9]+$/.test(p) && Number(p) > 4294967294)) return 'has a numeric id above 4294967294';
  return undefined;
}

/** Refuses anything but an absolute http(s) URL with no whitespace or control characters. */
export function checkHttpUrl(s: string): string | undefined {
  const bad = checkText(s);
  if (bad) return bad;
  if (/\s/.test(s)) return 'contains whitespace';
  let url: URL;
  try { url = new URL(s); } catch { return 'is not an absolute URL'; }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http:// or https://';
  if (url.hostname === '') return 'has no host';
  return undefined;
}

/** True when an http(s) URL carries a user name or password, which would be stored in the image. */
export function hasUrlCredentials(s: string): boolean {
  try { const u = new URL(s); return u.username !== '' || u.password !== ''; } catch { return false; }
}

/** An OCI image reference: optional registry host and port, path, optional tag, optional digest. */
const IMAGE_REF = /^(?:[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Fa-f0-9]{32,})?$/;

/** Refuses base images that are not OCI references (which also rules out whitespace, `$` and leading `-`). */
export function checkImageRef(s: string): string | undefined {
  if (s === '') return 'is empty';
  if (s.length > 512) return 'is longer than 512 characters';
  return IMAGE_REF.test(s) ? undefined : 'is not an image reference such as "debian:12" or "ghcr.io/org/image:tag"';
}
