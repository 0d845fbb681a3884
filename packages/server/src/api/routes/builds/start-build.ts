/** `POST /v1/templates/builds`: start a background template build (202, the build object). */
import { BuildRequestDocSchema } from '../../openapi-schemas.ts';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';

/** Registers the start-build route. */
export const startBuild: RouteModule = (app, { builds }) => {
  app.post('/v1/templates/builds', {
    schema: {
      summary: 'Start a background template build',
      description: 'Creates or reuses the template by name and queues the build; the answer is the build object with status `waiting`.',
      tags: ['builds'], security: BEARER, body: BuildRequestDocSchema,
    },
    validatorCompiler: passThroughValidator,
  }, async (req, reply) => reply.status(202).send(await builds.start(req.tenantId, req.body)));
};
