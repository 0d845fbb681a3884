/** `GET /v1/templates/{ref}/builds`: a template's build history, newest first, with cursor paging. */
import { Type } from '@sinclair/typebox';
import type { BuildBackend, BuildStatus } from '../../../store/store.ts';
import { BEARER, type RouteModule } from '../../route-types.ts';

const Query = Type.Object({
  status: Type.Optional(Type.Union(['waiting', 'building', 'ready', 'error', 'cancelled'].map((s) => Type.Literal(s)))),
  backend: Type.Optional(Type.Union([Type.Literal('native'), Type.Literal('buildkit')])),
  cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Page size (default 20).' })),
});

/** Registers the list-builds route. */
export const listBuilds: RouteModule = (app, { builds }) => {
  app.get<{ Params: { ref: string }; Querystring: { status?: BuildStatus; backend?: BuildBackend; cursor?: string; limit?: number } }>('/v1/templates/:ref/builds', {
    schema: { summary: 'List a template\'s builds, including failed and untagged attempts', tags: ['builds'], security: BEARER, params: Type.Object({ ref: Type.String() }), querystring: Query },
  }, async (req) => builds.list(req.tenantId, req.params.ref, req.query));
};
