/** The second platform's `POST /v1/templates/build` request body (seed 003), field for field. */
import { Type, type Static } from '@sinclair/typebox';

/** Resource limits of the second platform's endpoint. */
export const COMPAT_LIMITS = {
  cpu: { min: 1, max: 8 },
  memory: { min: 512, max: 64000 },
  diskGB: { min: 1, max: 250 },
} as const;

/** A typed ready check (PORT, URL, FILE, PROCESS, COMMAND); timeout and interval in milliseconds. */
export const CompatReadyCmdSchema = Type.Object({
  type: Type.Union([Type.Literal('PORT'), Type.Literal('URL'), Type.Literal('FILE'), Type.Literal('PROCESS'), Type.Literal('COMMAND')]),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  url: Type.Optional(Type.String()),
  path: Type.Optional(Type.String({ description: 'FILE: the path (alias: file).' })),
  file: Type.Optional(Type.String()),
  process: Type.Optional(Type.String({ description: 'PROCESS: the process name (alias: name).' })),
  name: Type.Optional(Type.String()),
  command: Type.Optional(Type.String()),
  timeout: Type.Optional(Type.Integer({ minimum: 1, description: 'Milliseconds to wait in all (default 30000).' })),
  interval: Type.Optional(Type.Integer({ minimum: 10, description: 'Milliseconds between checks (default 500).' })),
}, { additionalProperties: false });

/** The request body. */
export const CompatBuildSchema = Type.Object({
  name: Type.String({ description: 'Unique template name.' }),
  from_image: Type.String({ description: 'Base image (glibc-based; Alpine is not supported).' }),
  cpu: Type.Integer({ description: `vCPUs, ${COMPAT_LIMITS.cpu.min}–${COMPAT_LIMITS.cpu.max}.` }),
  memory: Type.Integer({ description: `Memory in MB, ${COMPAT_LIMITS.memory.min}–${COMPAT_LIMITS.memory.max}.` }),
  diskGB: Type.Integer({ description: `Disk in GB, ${COMPAT_LIMITS.diskGB.min}–${COMPAT_LIMITS.diskGB.max}.` }),
  steps: Type.Optional(Type.Array(Type.Unknown(), { description: 'Build steps {type: RUN|COPY|ENV|WORKDIR|USER|CMD, args[]}.' })),
  startCmd: Type.Optional(Type.String()),
  readyCmd: Type.Optional(CompatReadyCmdSchema),
  skipCache: Type.Optional(Type.Boolean()),
  registry_credentials: Type.Optional(Type.Object({
    registry: Type.Optional(Type.String()),
    username: Type.String(),
    password: Type.String(),
  }, { additionalProperties: false })),
  update: Type.Optional(Type.Boolean({ description: 'Update an existing template (default false).' })),
}, { additionalProperties: true });

/** Static type of the body. */
export type CompatBuildRequest = Static<typeof CompatBuildSchema>;
