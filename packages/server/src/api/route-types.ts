/** Shared pieces of route definitions. */
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import type { Services } from '../domain/services.ts';

/** A route module registers its route(s) on the authenticated scope. */
export type RouteModule = (app: FastifyInstance, services: Services) => void;

/**
 * A validator that accepts every body unchanged: build requests are checked by the domain,
 * which reports every problem at once (and `/validate` must answer 200 for a body that breaks
 * rules). The schema stays on the route for the OpenAPI document.
 */
export const passThroughValidator: FastifySchemaCompiler<unknown> = () => (value: unknown) => ({ value });

/** The bearer security requirement, for the OpenAPI document. */
export const BEARER = [{ bearerAuth: [] }];
