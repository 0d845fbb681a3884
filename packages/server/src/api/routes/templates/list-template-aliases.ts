/** `GET /v1/templates/{ref}/aliases`: the other names that resolve to a template. */
import { BEARER, type RouteModule } from '../../route-types.ts';
import { AliasesSchema, RefParams, responses } from './template-schemas.ts';

/** Registers the list-template-aliases route. */
export const listTemplateAliases: RouteModule = (app, { templates }) => {
  app.get<{ Params: { ref: string } }>('/v1/templates/:ref/aliases', {
    schema: {
      summary: 'List the aliases of a template',
      description: 'Aliases are the alias field of a build request given besides a different name, and old names after a rename. Names and aliases share one namespace per tenant.',
      tags: ['templates'], security: BEARER, params: RefParams, response: responses(AliasesSchema),
    },
  }, async (req) => templates.listAliases(req.tenantId, req.params.ref));
};
