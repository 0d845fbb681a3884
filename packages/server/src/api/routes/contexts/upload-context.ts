/** `POST /v1/templates/contexts`: upload a build context as a tar or tar.gz stream. */
import type { Readable } from 'node:stream';
import { BEARER, type RouteModule } from '../../route-types.ts';

const ARCHIVE_TYPES = ['application/x-tar', 'application/tar', 'application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/zstd'];

/** Registers the upload route and its streaming body parser (the archive is never buffered whole). */
export const uploadContext: RouteModule = (app, { contexts }) => {
  app.addContentTypeParser(ARCHIVE_TYPES, (_req, payload, done) => done(null, payload));
  app.post('/v1/templates/contexts', {
    schema: {
      summary: 'Upload a build context (tar or tar.gz)',
      description: 'Streams the archive; files are stored content-addressed once, `.dockerignore` is honoured, hostile entries (path traversal, symlink escapes, device files, decompression bombs) are refused. Answers `{context_manifest_id, context_digest, file_count}`.',
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
