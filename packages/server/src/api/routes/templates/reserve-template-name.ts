/** `POST /v1/templates/reservations`: reserve a template name; a build takes it by passing the returned `claim_token`. */
import { Type } from '@sinclair/typebox';
import { BEARER, passThroughValidator, type RouteModule } from '../../route-types.ts';
import { RESERVATION_TTL_SECONDS } from '../../../domain/templates/template-names.ts';
import { responses } from './template-schemas.ts';

const Body = Type.Object({
  name: Type.String({ description: 'The template name to reserve (no template or alias of yours may have it).' }),
  ttl_seconds: Type.Optional(Type.Integer({ minimum: RESERVATION_TTL_SECONDS.min, maximum: RESERVATION_TTL_SECONDS.max, description: `How long the reservation lasts (default ${RESERVATION_TTL_SECONDS.default}).` })),
});

const Reservation = Type.Object({
  name: Type.String(),
  claim_token: Type.String({ description: 'Shown only here; pass it as claim_token of the build (or rename) that takes the name. Only its hash is stored.' }),
  expires_at: Type.String({ format: 'date-time' }),
});

/** Registers the reserve-template-name route. */
export const reserveTemplateName: RouteModule = (app, { templates }) => {
  app.post<{ Body: unknown }>('/v1/templates/reservations', {
    schema: {
      summary: 'Reserve a template name',
      description: 'Until it expires, a build that would create a template with this name must pass claim_token (409 name_reserved without it, 409 invalid_claim_token with a wrong one). 409 name_in_use when a template or alias has the name, name_reserved when it is reserved already.',
      tags: ['templates'], security: BEARER, body: Body, response: responses(Reservation, 201),
    },
    validatorCompiler: passThroughValidator,
  }, async (req, reply) => reply.status(201).send(await templates.reserveName(req.tenantId, req.body)));
};
