/** `POST /v1/templates/builds/{build_id}/cancel`: cancel a waiting or running build. */
import { Type } from '@sinclair/typebox';
import { KilnError } from '../../../errors/errors.ts';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';

const Body = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000, description: 'Why; recorded in the cancelled log entry.' })) });

/** Registers the cancel-build route. */
export const cancelBuild: RouteModule = (app, { builds }) => {
  app.post<{ Params: { build_id: string }; Body: { reason?: string } | undefined }>('/v1/templates/builds/:build_id/cancel', {
    schema: { summary: 'Cancel a queued or running build', tags: ['builds'], security: BEARER, params: Type.Object({ build_id: Type.String() }), body: Body },
    // The body is optional, which the schema validator cannot express; its one field is checked here.
    validatorCompiler: passThroughValidator,
  }, async (req) => {
    const reason: unknown = (req.body as { reason?: unknown } | undefined)?.reason;
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1000)) {
      throw new KilnError('invalid_request', 'reason must be a string of at most 1000 characters.', { phase: 'request' });
    }
    return builds.cancel(req.tenantId, req.params.build_id, reason);
  });
};
