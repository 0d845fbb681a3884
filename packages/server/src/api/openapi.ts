/** Options of the OpenAPI 3.1 document served at /openapi.json and browsable at /docs. */
import type { SwaggerOptions } from '@fastify/swagger';
import { ERROR_CODES } from '../errors/codes.ts';

/** The @fastify/swagger options: document info, bearer security, and the error-code catalogue. */
export function openapiOptions(): SwaggerOptions {
  const codes = Object.entries(ERROR_CODES).map(([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.description} |`).join('\n');
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kiln',
        version: '0.1.0',
        description: 'Self-hosted template builds and warm pools.\n\nErrors are `{error, code, message, phase, errors, request_id}` with these codes:\n\n| code | status | meaning |\n|---|---|---|\n' + codes,
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key' } } },
    },
  };
}
