/** `POST /v1/templates/contexts/blobs/missing`: which file contents the caller must upload in a context bundle. */
import { Type } from '@sinclair/typebox';
import { MAX_MISSING_QUERY } from '../../../domain/context-service.ts';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';

const Body = Type.Object({
  sha256: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { maxItems: MAX_MISSING_QUERY, description: 'Content digests (sha256, 64 lowercase hex digits).' }),
}, { additionalProperties: false });

/** Registers the missing-blobs route. */
export const findMissingBlobs: RouteModule = (app, { contexts }) => {
  app.post('/v1/templates/contexts/blobs/missing', {
    schema: {
      summary: 'Which file contents a context bundle must carry',
      description: 'Answers `{missing}`: the digests (deduplicated, in the order asked) of contents the caller has not uploaded itself. '
        + 'Contents other callers uploaded count as missing, so this reveals nothing about them.',
      tags: ['contexts'], security: BEARER, body: Body,
      response: { 200: Type.Object({ missing: Type.Array(Type.String()) }) },
    },
    // Checked by the domain, which names the offending entry.
    validatorCompiler: passThroughValidator,
  }, async (req) => contexts.missingBlobs(req.tenantId, req.body));
};
