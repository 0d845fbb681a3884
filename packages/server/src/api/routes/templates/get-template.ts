/** `GET /v1/templates/{ref}`: a template the caller may read (its own, a builtin, another tenant's public one), with a `fields` mask. */
import { Type } from '@sinclair/typebox';
import { BEARER, type RouteModule } from '../../route-types.ts';
import { FieldsQuery, RefParams, TemplateSchema, responses } from './template-schemas.ts';

/** Registers the get-template route. */
export const getTemplate: RouteModule = (app, { templates }) => {
  app.get<{ Params: { ref: string }; Querystring: { fields?: string } }>('/v1/templates/:ref', {
    schema: {
      summary: 'Get a template by ref, with an optional fields mask',
      description: 'A ref with a tag or build qualifier must name one of the template\'s tags or builds. Another tenant\'s private template answers 404 template_not_found like a missing one.',
      tags: ['templates'], security: BEARER, params: RefParams, querystring: Type.Object({ fields: FieldsQuery }), response: responses(TemplateSchema),
    },
  }, async (req) => templates.get(req.tenantId, req.params.ref, req.query.fields));
};
