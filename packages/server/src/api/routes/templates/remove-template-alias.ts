/** `DELETE /v1/templates/{ref}/aliases/{alias}`: remove an alias; the name is free again. */
import { Type } from '@sinclair/typebox';
import { BEARER, type RouteModule } from '../../route-types.ts';
import { AliasesSchema, RefParams, responses } from './template-schemas.ts';

/** Registers the remove-template-alias route. */
export const removeTemplateAlias: RouteModule = (app, { templates }) => {
  app.delete<{ Params: { ref: string; alias: string } }>('/v1/templates/:ref/aliases/:alias', {
    schema: {
      summary: 'Remove an alias of the template (404 alias_not_found when it has none such)',
      tags: ['templates'], security: BEARER, params: Type.Composite([RefParams, Type.Object({ alias: Type.String() })]), response: responses(AliasesSchema),
    },
  }, async (req) => templates.removeAlias(req.tenantId, req.params.ref, req.params.alias));
};
