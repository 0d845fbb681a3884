/** `GET /v1/templates`: the caller's templates, newest first, keyset-paged. */
import { Type } from '@sinclair/typebox';
import { BEARER, type RouteModule } from '../../route-types.ts';
import { FieldsQuery, TemplateSchema, responses } from './template-schemas.ts';

const Query = Type.Object({
  cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Page size (default 20).' })),
  name: Type.Optional(Type.String({ description: 'Only templates whose name starts with this.' })),
  fields: FieldsQuery,
});

const Page = Type.Object({
  templates: Type.Array(TemplateSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page.' }),
});

/** Registers the list-templates route. */
export const listTemplates: RouteModule = (app, { templates }) => {
  app.get<{ Querystring: { cursor?: string; limit?: number; name?: string; fields?: string } }>('/v1/templates', {
    schema: { summary: 'List your templates, newest first', tags: ['templates'], security: BEARER, querystring: Query, response: responses(Page) },
  }, async (req) => templates.list(req.tenantId, req.query));
};
