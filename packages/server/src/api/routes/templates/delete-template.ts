/** `DELETE /v1/templates/{ref}`: delete a template with its tags and aliases, unless something depends on it. */
import { Type } from '@sinclair/typebox';
import { BEARER, type RouteModule } from '../../route-types.ts';
import { RefParams, responses } from './template-schemas.ts';

const Deleted = Type.Object({ id: Type.String(), name: Type.String(), deleted: Type.Literal(true) });

/** Registers the delete-template route. */
export const deleteTemplate: RouteModule = (app, { templates }) => {
  app.delete<{ Params: { ref: string } }>('/v1/templates/:ref', {
    schema: {
      summary: 'Delete a template',
      description: '409 template_in_use, naming what depends on it, while one of its builds is waiting or building or a build of another template starts from it. Its builds then read as not found; their artifacts follow retention (KILN_ARTIFACT_RETENTION_HOURS), unless another template\'s tag reaches them.',
      tags: ['templates'], security: BEARER, params: RefParams, response: responses(Deleted),
    },
  }, async (req) => templates.delete(req.tenantId, req.params.ref));
};
