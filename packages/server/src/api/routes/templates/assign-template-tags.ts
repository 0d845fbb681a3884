/** `POST /v1/templates/{ref}/tags`: point tags at one ready build of the template, atomically. */
import { Type } from '@sinclair/typebox';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';
import { RefParams, TemplateSchema, responses } from './template-schemas.ts';

const Body = Type.Object({
  tags: Type.Array(Type.String(), { minItems: 1, maxItems: 32, description: 'Tags to point at the build (the rules of build tags apply); each leaves the build it was on.' }),
  build_id: Type.Optional(Type.String({ description: 'A ready build of this template; default: the build the ref names (name:tag, name:tb_…, or the default tag, else the newest ready build).' })),
});

const Result = Type.Object({
  build_id: Type.String({ description: 'The build the tags now point at.' }),
  tags: Type.Array(Type.String(), { description: 'The tags assigned.' }),
  template: TemplateSchema,
});

/** Registers the assign-template-tags route. */
export const assignTemplateTags: RouteModule = (app, { templates }) => {
  app.post<{ Params: { ref: string }; Body: unknown }>('/v1/templates/:ref/tags', {
    schema: {
      summary: 'Assign tags to a build of the template',
      description: 'All tags move in one transaction; concurrent moves of a tag end with one winner. 409 build_not_promotable when the build is not ready or its artifact is gone.',
      tags: ['templates'], security: BEARER, params: RefParams, body: Body, response: responses(Result),
    },
    // Tags are checked by the domain, with the same rules and error code as build tags.
    validatorCompiler: passThroughValidator,
  }, async (req) => templates.assignTags(req.tenantId, req.params.ref, req.body));
};
