/** `GET /v1/templates/builds/{build_id}/artifact?format=tar|ext4`: a ready build's root filesystem, to look inside. */
import { Type } from '@sinclair/typebox';
import { BEARER, type RouteModule } from '../../route-types.ts';

const Params = Type.Object({ build_id: Type.String() });
const Query = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('tar'), Type.Literal('ext4')], {
    description: '`tar` (default): the root filesystem as an uncompressed tar stream. `ext4`: the ext4 image of build_config.disk_mb MiB.',
  })),
});

/** Registers the artifact download route. */
export const getBuildArtifact: RouteModule = (app, { artifacts }) => {
  app.get<{ Params: { build_id: string }; Querystring: { format?: 'tar' | 'ext4' } }>('/v1/templates/builds/:build_id/artifact', {
    schema: {
      summary: 'Download a ready build\'s root filesystem (tar stream or ext4 image); 409 artifact_unavailable with the reason when it has none',
      tags: ['builds'], security: BEARER, params: Params, querystring: Query,
    },
  }, async (req, reply) => {
    const download = await artifacts.download(req.tenantId, req.params.build_id, req.query.format ?? 'tar');
    reply.header('content-type', download.contentType);
    reply.header('content-disposition', `attachment; filename="${download.filename}"`);
    if (download.length !== undefined) reply.header('content-length', download.length);
    return reply.send(download.stream);
  });
};
