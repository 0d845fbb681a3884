/**
 * Answers registry authentication challenges and caches the result.
 *
 * Supported: anonymous access; `Basic` challenges answered with {username, password};
 * `Bearer` challenges answered by the Docker token protocol (GET realm?service=&scope=, with
 * Basic credentials when given, anonymously otherwise); a {token} credential is exchanged as
 * an OAuth2 refresh/identity token (POST grant_type=refresh_token) and, when the realm refuses
 * that grant, sent to the registry as the Bearer token itself (also for a Basic challenge).
 * Tokens are cached per (origin, scope, credentials hash) until shortly before `expires_in`.
 */
import { createHash } from 'node:crypto';
import type { RegistryCredentials } from '../../domain/schemas/common-schemas.ts';
import { parseWwwAuthenticate, type AuthChallenge } from './auth/www-authenticate.ts';
import { registryAuthFailed, registryErrorSummary } from './registry-errors.ts';
import { discard, readLimited, type RegistryResponse, type RegistryTransport } from './registry-transport.ts';

/** What a request is authorised for: the origin spoken to, names for messages, and the token scope. */
export interface AuthTarget {
  /** `https://host:port` of the registry or mirror. */
  origin: string;
  /** Registry name for messages. */
  registry: string;
  /** Repository for messages, when the request concerns one. */
  repository?: string;
  /** Token scope, e.g. `repository:library/busybox:pull`; none for /v2/. */
  scope?: string;
}

const DEFAULT_TOKEN_SECONDS = 60;
const TOKEN_BODY_LIMIT = 1024 * 1024;
const NEED_CREDENTIALS = 'the registry requires credentials; pass them as base_image_auth (or registry_auth for Dockerfile builds)';

/** A stable, non-reversible key for a set of credentials. */
function credentialKey(auth: RegistryCredentials | undefined): string {
  return auth ? createHash('sha256').update(JSON.stringify(auth)).digest('hex').slice(0, 32) : 'anonymous';
}

/** The `Basic …` header value for username/password credentials. */
function basicHeader(auth: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** Computes and caches Authorization headers for registry requests. */
export class RegistryAuthenticator {
  private readonly transport: RegistryTransport;
  private readonly cache = new Map<string, { header: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(transport: RegistryTransport) {
    this.transport = transport;
  }

  /** The cached Authorization header for this target and credentials, if still valid. */
  cached(t: AuthTarget, auth: RegistryCredentials | undefined): string | undefined {
    const key = this.key(t, auth);
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.header;
    if (hit) this.cache.delete(key);
    return undefined;
  }

  /** Drops a cached header the registry no longer accepts. */
  forget(t: AuthTarget, auth: RegistryCredentials | undefined): void {
    this.cache.delete(this.key(t, auth));
  }

  /** Answers a 401's `WWW-Authenticate` header with an Authorization header (concurrent callers share one token request). */
  answer(challengeHeader: string | null, t: AuthTarget, auth: RegistryCredentials | undefined): Promise<string> {
    const key = this.key(t, auth);
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.compute(challengeHeader, t, auth).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private key(t: AuthTarget, auth: RegistryCredentials | undefined): string {
    return `${t.origin} ${t.scope ?? ''} ${credentialKey(auth)}`;
  }

  private async compute(challengeHeader: string | null, t: AuthTarget, auth: RegistryCredentials | undefined): Promise<string> {
    const challenges = parseWwwAuthenticate(challengeHeader ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    let header: string;
    let seconds = Infinity;
    if (bearer) {
      const token = await this.fetchToken(bearer, t, auth);
      header = `Bearer ${token.token}`;
      seconds = token.expiresIn;
    } else if (basic) {
      if (!auth) throw registryAuthFailed(t.registry, t.repository, NEED_CREDENTIALS);
      header = 'token' in auth ? `Bearer ${auth.token}` : basicHeader(auth as { username: string; password: string });
    } else {
      const schemes = challenges.map((c) => c.scheme).join(', ') || 'none';
      throw registryAuthFailed(t.registry, t.repository,
        `the registry answered 401 with no Basic or Bearer challenge Kiln can answer (schemes: ${schemes})`);
    }
    // Renew a little before the registry's token expires.
    const lifetimeMs = seconds === Infinity ? Infinity : Math.max(1000, seconds * 1000 - Math.min(30_000, seconds * 100));
    this.cache.set(this.key(t, auth), { header, expiresAt: Date.now() + lifetimeMs });
    return header;
  }

  /** Obtains a Bearer token from the challenge's realm. */
  private async fetchToken(ch: AuthChallenge, t: AuthTarget, auth: RegistryCredentials | undefined): Promise<{ token: string; expiresIn: number }> {
    let realm: URL;
    try {
      realm = new URL(ch.params.realm);
    } catch {
      throw registryAuthFailed(t.registry, t.repository, 'the registry named a token service that is not a URL');
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw registryAuthFailed(t.registry, t.repository, `the registry named a ${realm.protocol} token service`);
    }
    const service = ch.params.service;
    if (auth && 'token' in auth) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: auth.token, client_id: 'kiln' });
      if (service) form.set('service', service);
      if (t.scope) form.set('scope', t.scope);
      const res = await this.transport.send(realm, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(),
      }, t.registry);
      if (res.ok) return this.tokenFrom(res, t);
      await discard(res);
      // The realm does not take refresh tokens: the token is used as the registry's Bearer token directly.
      return { token: auth.token, expiresIn: DEFAULT_TOKEN_SECONDS };
    }
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    if (t.scope) url.searchParams.set('scope', t.scope);
    const headers: Record<string, string> = {};
    if (auth && 'password' in auth) headers.authorization = basicHeader(auth);
    const res = await this.transport.send(url, { headers }, t.registry);
    if (res.status === 401 || res.status === 403) {
      const text = await readLimited(res, TOKEN_BODY_LIMIT, () => registryAuthFailed(t.registry, t.repository, 'refused'))
        .then((b) => b.toString('utf8'), () => '');
      const summary = registryErrorSummary(text, auth);
      throw registryAuthFailed(t.registry, t.repository, auth
        ? `the token service refused the credentials given (HTTP ${res.status}${summary ? `: ${summary}` : ''})`
        : NEED_CREDENTIALS);
    }
    if (!res.ok) {
      await discard(res);
      throw registryAuthFailed(t.registry, t.repository, `the token service answered HTTP ${res.status}`);
    }
    return this.tokenFrom(res, t);
  }

  /** Reads `{token | access_token, expires_in}` from a token response. */
  private async tokenFrom(res: RegistryResponse, t: AuthTarget): Promise<{ token: string; expiresIn: number }> {
    const bad = () => registryAuthFailed(t.registry, t.repository, 'the token service answered without a usable token');
    const body = await readLimited(res, TOKEN_BODY_LIMIT, bad);
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw bad();
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token
      : typeof parsed.access_token === 'string' && parsed.access_token ? parsed.access_token : undefined;
    if (!token) throw bad();
    const exp = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
    return { token, expiresIn: exp };
  }
}
