/**
 * The Fastify application: JSON parsing with clear errors, request ids, the one error
 * handler, OpenAPI at /openapi.json and /docs, and the authenticated /v1 routes.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { KilnError } from '../errors/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Services } from '../domain/services.ts';
import { handleError, handleNotFound } from './error-handler.ts';
import { registerAuth } from './plugins/auth.ts';
import { openapiOptions } from './openapi.ts';
import { validateTemplate } from './routes/templates/validate-template.ts';
import { planTemplate } from './routes/templates/plan-template.ts';
import { startBuild } from './routes/builds/start-build.ts';
import { getBuild } from './routes/builds/get-build.ts';
import { listBuilds } from './routes/builds/list-builds.ts';
import { cancelBuild } from './routes/builds/cancel-build.ts';
import { retryBuild } from './routes/builds/retry-build.ts';
import { streamBuildLogs } from './routes/builds/stream-build-logs.ts';
import { startCompatBuild } from './routes/builds/start-compat-build.ts';
import { getBuildArtifact } from './routes/builds/get-build-artifact.ts';
import { promoteBuild } from './routes/builds/promote-build.ts';
import { uploadContext } from './routes/contexts/upload-context.ts';
import { findMissingBlobs } from './routes/contexts/find-missing-blobs.ts';
import { getTemplate } from './routes/templates/get-template.ts';
import { listTemplates } from './routes/templates/list-templates.ts';
import { assignTemplateTags } from './routes/templates/assign-template-tags.ts';
import { removeTemplateTag } from './routes/templates/remove-template-tag.ts';
import { listTemplateAliases } from './routes/templates/list-template-aliases.ts';
import { removeTemplateAlias } from './routes/templates/remove-template-alias.ts';
import { reserveTemplateName } from './routes/templates/reserve-template-name.ts';
import { renameTemplate } from './routes/templates/rename-template.ts';
import { setTemplateVisibility } from './routes/templates/set-template-visibility.ts';
import { deleteTemplate } from './routes/templates/delete-template.ts';
import type { RouteModule } from './route-types.ts';

/** Options of the HTTP application. */
export interface AppOptions {
  services: Services;
  bodyLimitBytes: number;
  /** pino logger options, or false for none. */
  logger: boolean | { level: string };
}

const ROUTES: RouteModule[] = [validateTemplate, planTemplate, startBuild, getBuild, streamBuildLogs, listBuilds, cancelBuild, retryBuild, getBuildArtifact, promoteBuild, startCompatBuild, uploadContext, findMissingBlobs];

/** Template refs and versioning. */
const TEMPLATE_ROUTES: RouteModule[] = [getTemplate, listTemplates, assignTemplateTags, removeTemplateTag, listTemplateAliases, removeTemplateAlias,
  reserveTemplateName, renameTemplate, setTemplateVisibility, deleteTemplate];

/** Builds the application (not yet listening). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger,
    bodyLimit: opts.bodyLimitBytes,
    genReqId: () => newId('req'),
    requestIdHeader: false,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    try {
      done(null, JSON.parse(text));
    } catch {
      if (text.trim() === '') return done(null, undefined);
      done(new KilnError('invalid_json', 'The request body is not valid JSON: send a JSON object.', { phase: 'request' }), undefined);
    }
  });
  app.addHook('onSend', async (req, reply) => { reply.header('x-request-id', req.id); });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  await app.register(swagger, openapiOptions());
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));

  await app.register(async (v1) => {
    registerAuth(v1, opts.services.auth);
    for (const route of [...ROUTES, ...TEMPLATE_ROUTES]) route(v1, opts.services);
  });
  return app;
}
