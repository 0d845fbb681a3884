/** `POST /v1/templates/{ref}/visibility`: make a template public (readable and usable as a base by every tenant) or private. */
import { Type } from '@sinclair/typebox';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';
import { RefParams, TemplateSchema, responses } from './template-schemas.ts';

const Body = Type.Object({ visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]) });

/** Registers the set-template-visibility route. */
export const setTemplateVisibility: RouteModule = (app, { templates }) => {
  app.post<{ Params: { ref: string }; Body: unknown }>('/v1/templates/:ref/visibility', {
    schema: {
      summary: 'Set a template public or private',
      description: 'Other tenants read a public template as namespace_slug/name (or by id) and may use it as base_image or in FROM; they never change it (their writes answer 404).',
      tags: ['templates'], security: BEARER, params: RefParams, body: Body, response: responses(TemplateSchema),
    },
    validatorCompiler: passThroughValidator,
  }, async (req) => templates.setVisibility(req.tenantId, req.params.ref, req.body));
};
