/** Schemas used only to document routes (the domain validates the bodies itself). */
import { buildRequestSchema } from '../domain/schemas/build-request-schema.ts';
import { StepSchema } from '../dockerfile/steps-schema.ts';

/** The build request with every declarative step kind spelled out. */
export const BuildRequestDocSchema = buildRequestSchema(StepSchema);
