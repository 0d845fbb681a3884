/** `POST /v1/templates/builds/{build_id}/retry`: a new build of the same template from the original's stored definition (202). */
import { Type } from '@sinclair/typebox';
import { RetryRequestSchema } from '../../../domain/retry-build.ts';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';

/** Registers the retry-build route. */
export const retryBuild: RouteModule = (app, { builds }) => {
  app.post<{ Params: { build_id: string } }>('/v1/templates/builds/:build_id/retry', {
    schema: {
      summary: 'Retry a build as a new build',
      description: 'Starts a new build (new id, attempt 1, `triggered_by` `retry:<build_id>`) of the same template from the original\'s sanitised definition. '
        + 'Secrets and credentials are never stored: give `build_secrets` with exactly the original\'s secret ids, and `base_image_auth` / `registry_auth` where the original used them. '
        + '`tags` replace the original\'s. A stored build context is reused. The original may still be running; it is not affected.',
      tags: ['builds'], security: BEARER, params: Type.Object({ build_id: Type.String() }), body: RetryRequestSchema,
    },
    // The body is optional and checked by the domain, which names every missing secret or credential.
    validatorCompiler: passThroughValidator,
  }, async (req, reply) => reply.status(202).send(await builds.retry(req.tenantId, req.params.build_id, req.body)));
};
