/** `POST /v1/templates/contexts`: upload a build context as a tar or tar.gz stream, or as a bundle of a manifest and the missing blobs. */
import type { Readable } from 'node:stream';
import { BUNDLE_CONTENT_TYPE } from '../../../context/ingest-bundle.ts';
import { BEARER, type RouteModule } from '../../route-types.ts';

const ARCHIVE_TYPES = ['application/x-tar', 'application/tar', 'application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/zstd', BUNDLE_CONTENT_TYPE];

/** Registers the upload route and its streaming body parser (the archive is never buffered whole). */
export const uploadContext: RouteModule = (app, { contexts }) => {
  app.addContentTypeParser(ARCHIVE_TYPES, (_req, payload, done) => done(null, payload));
  app.post('/v1/templates/contexts', {
    schema: {
      summary: 'Upload a build context (tar or tar.gz, or a bundle of a manifest and the missing blobs)',
      description: 'Streams the archive; files are stored content-addressed once, `.dockerignore` is honoured, hostile entries (path traversal, symlink escapes, device files, decompression bombs) are refused. '
        + `With Content-Type \`${BUNDLE_CONTENT_TYPE}\` the body is a tar holding \`manifest.json\` (\`{files: [{path, type: file|dir|symlink, mode, size, sha256, target}]}\`) and, as \`blobs/sha256/<hex>\`, only the contents not uploaded before `
        + '(ask with POST /v1/templates/contexts/blobs/missing); each blob is checked against its digest, and a manifest naming content that is neither sent nor uploaded earlier by the caller is refused. '
        + 'Answers `{context_manifest_id, context_digest, file_count, total_bytes, ignored_count}`, and for a bundle `received_blobs` and `reused_blobs`.',
      tags: ['contexts'], security: BEARER,
      consumes: ARCHIVE_TYPES,
    },
    bodyLimit: Number.MAX_SAFE_INTEGER,
  }, async (req, reply) => {
    try {
      return reply.status(201).send(await contexts.upload(req.tenantId, req.body as Readable | undefined, req.headers['content-type']));
    } catch (err) {
      // A refused upload may still be arriving: answer, then close the connection instead of reading the rest.
      reply.header('connection', 'close');
      throw err;
    }
  });
};
