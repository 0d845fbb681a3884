/**
 * Parsing of `WWW-Authenticate` headers (RFC 9110 §11.6.1): one or more challenges, each a
 * scheme followed by a token68 or by comma-separated `name=value` parameters whose values
 * may be quoted strings with backslash escapes and commas inside the quotes.
 */

/** One authentication challenge: the scheme (lowercased) and its parameters (names lowercased). */
export interface AuthChallenge {
  /** Scheme in lowercase, e.g. `bearer` or `basic`. */
  scheme: string;
  /** Parameters by lowercased name, values unquoted. */
  params: Record<string, string>;
  /** A token68 given instead of parameters, if any. */
  token68?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Splits at commas outside quoted strings. */
function splitTopLevel(header: string): string[] {
  const items: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      items.push(header.slice(start, i));
      start = i + 1;
    }
  }
  items.push(header.slice(start));
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/** Removes the quotes and backslash escapes of a quoted string; other values are returned trimmed. */
function unquote(raw: string): string {
  const v = raw.trim();
  if (!v.startsWith('"')) return v;
  let out = '';
  for (let i = 1; i < v.length; i++) {
    const c = v[i];
    if (c === '\\' && i + 1 < v.length) { out += v[++i]; continue; }
    if (c === '"') break;
    out += c;
  }
  return out;
}

/** Parses `name=value` into the challenge, ignoring malformed names. */
function addParam(ch: AuthChallenge, item: string): void {
  const eq = item.indexOf('=');
  const name = item.slice(0, eq).trim();
  if (!TOKEN.test(name)) return;
  ch.params[name.toLowerCase()] = unquote(item.slice(eq + 1));
}

/** Parses a `WWW-Authenticate` header value into its challenges, skipping anything malformed. */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  for (const item of splitTopLevel(header)) {
    const m = /^([^\s=",]+)(?:\s+(.*))?$/s.exec(item);
    const startsChallenge = m !== null && TOKEN.test(m[1]) && (m[2] === undefined || !m[2].startsWith('='));
    if (startsChallenge && m) {
      current = { scheme: m[1].toLowerCase(), params: {} };
      out.push(current);
      const rest = m[2]?.trim();
      if (rest) {
        if (TOKEN68.test(rest)) current.token68 = rest;
        else if (rest.includes('=')) addParam(current, rest);
      }
    } else if (current && item.includes('=')) {
      addParam(current, item);
    }
  }
  return out;
}
