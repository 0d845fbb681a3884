/** `POST /v1/templates/plan`: the normalised, backend-neutral build plan. */
import { BuildRequestDocSchema } from '../../openapi-schemas.ts';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';

/** Registers the plan route. */
export const planTemplate: RouteModule = (app, { plans }) => {
  app.post('/v1/templates/plan', {
    schema: {
      summary: 'Return a backend-neutral template build plan without starting a build',
      tags: ['templates'], security: BEARER, body: BuildRequestDocSchema,
    },
    validatorCompiler: passThroughValidator,
  }, async (req) => plans.plan(req.tenantId, req.body));
};
