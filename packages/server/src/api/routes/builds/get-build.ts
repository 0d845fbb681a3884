/** `GET /v1/templates/builds/{build_id}`: a build's status and its log entries from `offset`. */
import { Type } from '@sinclair/typebox';
import { BEARER, type RouteModule } from '../../route-types.ts';

const Params = Type.Object({ build_id: Type.String() });
const Query = Type.Object({
  offset: Type.Optional(Type.Integer({ minimum: 0, description: 'First log offset to return (default 0).' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Most log entries to return (default 500).' })),
});

/** Registers the get-build route. */
export const getBuild: RouteModule = (app, { builds }) => {
  app.get<{ Params: { build_id: string }; Querystring: { offset?: number; limit?: number } }>('/v1/templates/builds/:build_id', {
    schema: { summary: 'Get a build, with log entries from offset', tags: ['builds'], security: BEARER, params: Params, querystring: Query },
  }, async (req) => builds.get(req.tenantId, req.params.build_id, req.query.offset ?? 0, req.query.limit ?? 500));
};
