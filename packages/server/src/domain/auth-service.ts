/**
 * API keys. With KILN_API_KEYS set, those keys (and only those) authenticate, each for its
 * tenant. Otherwise the first start creates one key for tenant `default`, stores only its
 * SHA-256 hash, and returns the key so the caller can print it once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.ts';

/** SHA-256 hex of an API key: the only form in which a key is stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Authenticates API keys. */
export class AuthService {
  private readonly store: Store;
  private readonly configured: Map<string, string> | undefined;

  /** `configured` maps key hashes to tenants (from KILN_API_KEYS), or is undefined to use stored keys. */
  private constructor(store: Store, configured: Map<string, string> | undefined) {
    this.store = store;
    this.configured = configured;
  }

  /**
   * Sets up authentication; returns the service and, on a first start without KILN_API_KEYS,
   * the newly generated key (to be shown once and never again).
   */
  static async init(store: Store, apiKeys: Map<string, string> | undefined): Promise<{ auth: AuthService; generatedKey?: string }> {
    const now = new Date().toISOString();
    if (apiKeys) {
      const hashed = new Map<string, string>();
      for (const [key, tenant] of apiKeys) {
        hashed.set(hashApiKey(key), tenant);
        await store.ensureTenant(tenant, now);
      }
      return { auth: new AuthService(store, hashed) };
    }
    let generatedKey: string | undefined;
    if ((await store.countApiKeys()) === 0) {
      generatedKey = `kiln_${randomBytes(24).toString('base64url')}`;
      await store.ensureTenant('default', now);
      await store.putApiKey({ key_hash: hashApiKey(generatedKey), tenant_id: 'default', created_at: now });
    }
    return { auth: new AuthService(store, undefined), generatedKey };
  }

  /** The tenant of a key, or undefined when the key is unknown. */
  async authenticate(key: string): Promise<string | undefined> {
    if (!key) return undefined;
    const hash = hashApiKey(key);
    if (this.configured) {
      for (const [h, tenant] of this.configured) {
        if (timingSafeEqual(Buffer.from(h), Buffer.from(hash))) return tenant;
      }
      return undefined;
    }
    return (await this.store.findApiKey(hash))?.tenant_id;
  }
}
