/** `POST /v1/templates/builds/{build_id}/promote`: move a tag of the build's template to this build's artifact. */
import { Type } from '@sinclair/typebox';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';

const Body = Type.Object({ tag: Type.String({ description: 'The tag to point at this build (the rules of build tags apply).' }) });

/** Registers the promote-build route. */
export const promoteBuild: RouteModule = (app, { artifacts }) => {
  app.post<{ Params: { build_id: string }; Body: unknown }>('/v1/templates/builds/:build_id/promote', {
    schema: {
      summary: 'Move a tag to this ready build; 409 build_not_promotable with promotability.reason otherwise',
      tags: ['builds'], security: BEARER, params: Type.Object({ build_id: Type.String() }), body: Body,
    },
    // The tag is checked by the domain, with the same rules and error code as build tags.
    validatorCompiler: passThroughValidator,
  }, async (req) => artifacts.promote(req.tenantId, req.params.build_id, req.body));
};
