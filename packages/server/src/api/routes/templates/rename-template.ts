/** `POST /v1/templates/{ref}/rename`: rename a template; the old name stays an alias unless `keep_alias` is false. */
import { Type } from '@sinclair/typebox';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';
import { RefParams, TemplateSchema, responses } from './template-schemas.ts';

const Body = Type.Object({
  name: Type.String({ description: 'The new name (one of the template\'s own aliases may be taken; another template\'s name or alias is 409 name_in_use).' }),
  claim_token: Type.Optional(Type.String({ description: 'Needed when the new name is reserved.' })),
  keep_alias: Type.Optional(Type.Boolean({ description: 'Keep the old name as an alias, so refs to it keep working (default true).' })),
});

/** Registers the rename-template route. */
export const renameTemplate: RouteModule = (app, { templates }) => {
  app.post<{ Params: { ref: string }; Body: unknown }>('/v1/templates/:ref/rename', {
    schema: { summary: 'Rename a template', tags: ['templates'], security: BEARER, params: RefParams, body: Body, response: responses(TemplateSchema) },
    validatorCompiler: passThroughValidator,
  }, async (req) => templates.rename(req.tenantId, req.params.ref, req.body));
};
