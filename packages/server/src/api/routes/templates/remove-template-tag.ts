/** `DELETE /v1/templates/{ref}/tags/{tag}`: remove a tag; its build's artifact follows retention once no tag reaches it. */
import { Type } from '@sinclair/typebox';
import { BEARER, type RouteModule } from '../../route-types.ts';
import { RefParams, TemplateSchema, responses } from './template-schemas.ts';

/** Registers the remove-template-tag route. */
export const removeTemplateTag: RouteModule = (app, { templates }) => {
  app.delete<{ Params: { ref: string; tag: string } }>('/v1/templates/:ref/tags/:tag', {
    schema: {
      summary: 'Remove a tag from the template (404 tag_not_found when it has none such)',
      tags: ['templates'], security: BEARER, params: Type.Composite([RefParams, Type.Object({ tag: Type.String() })]), response: responses(TemplateSchema),
    },
  }, async (req) => templates.removeTag(req.tenantId, req.params.ref, req.params.tag));
};
