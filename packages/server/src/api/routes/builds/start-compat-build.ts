/**
 * `POST /v1/templates/build`: the second platform's build endpoint, on Kiln's build path.
 * Answers 202 `{build_id, template_id, status, logs_url, request_id}`; errors use that
 * platform's codes (`INVALID_REQUEST`, `CONFLICT`, `NOT_FOUND`) with Kiln's code beside them.
 */
import { CompatBuildSchema } from '../../../domain/schemas/compat-build-schema.ts';
import { compatErrorCode, compatToBuildRequest } from '../../../domain/compat-build.ts';
import { toKilnError } from '../../error-handler.ts';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';

/** Registers the second platform's build route. */
export const startCompatBuild: RouteModule = (app, { builds }) => {
  app.post('/v1/templates/build', {
    schema: {
      summary: 'Build a template (second platform\'s request shape)',
      description: 'from_image, cpu, memory (512–64000 MB), diskGB (1–250), typed steps, startCmd, readyCmd, update. Alpine images are refused.',
      tags: ['builds'], security: BEARER, body: CompatBuildSchema,
    },
    validatorCompiler: passThroughValidator,
  }, async (req, reply) => {
    try {
      const { request, update } = compatToBuildRequest(req.body);
      const build = await builds.start(req.tenantId, request, { trigger: 'compat_api', requireExisting: update });
      const origin = `${req.protocol}://${req.host}`;
      return reply.status(202).send({
        build_id: build.build_id,
        template_id: build.template_id,
        status: 'building',
        logs_url: `${origin}/v1/templates/builds/${build.build_id}/logs`,
        request_id: req.id,
      });
    } catch (err) {
      const kerr = toKilnError(err);
      if (kerr.status >= 500) throw err;
      return reply.status(kerr.status).send({
        error: kerr.message,
        code: compatErrorCode(kerr),
        kiln_code: kerr.code,
        errors: kerr.problems.length ? kerr.problems : undefined,
        request_id: req.id,
      });
    }
  });
};
