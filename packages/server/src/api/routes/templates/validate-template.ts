/** `POST /v1/templates/validate`: every problem of a build request, without starting it. */
import { BuildRequestDocSchema } from '../../openapi-schemas.ts';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';

/** Registers the validate route. */
export const validateTemplate: RouteModule = (app, { plans }) => {
  app.post('/v1/templates/validate', {
    schema: {
      summary: 'Validate a template build request without starting a build',
      description: 'Answers 200 with `valid: false` and every problem for a well-formed JSON body that breaks a rule; never contacts a registry.',
      tags: ['templates'], security: BEARER, body: BuildRequestDocSchema,
    },
    validatorCompiler: passThroughValidator,
  }, async (req) => plans.validate(req.tenantId, req.body));
};
