/** Bearer-token authentication for every `/v1` route; sets `request.tenantId`. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KilnError } from '../../errors/errors.ts';
import type { AuthService } from '../../domain/auth-service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated tenant. */
    tenantId: string;
  }
}

/** Registers the authentication hook on `app` (encapsulated: only routes registered after it in the same scope). */
export function registerAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('tenantId', '');
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const header = req.headers.authorization;
    if (!header) throw new KilnError('unauthorized', 'Send your API key as "Authorization: Bearer <key>".');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new KilnError('unauthorized', 'The Authorization header must be "Bearer <key>".');
    const tenant = await auth.authenticate(m[1]);
    if (!tenant) throw new KilnError('unauthorized', 'The API key is not valid.');
    req.tenantId = tenant;
  });
}
