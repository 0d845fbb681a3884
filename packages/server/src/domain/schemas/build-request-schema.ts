/**
 * The template build request (`POST /v1/templates/builds`, `/plan`, `/validate`), field for field.
 * One schema feeds the OpenAPI document and the type-level checks of validation.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ReadinessSchema, RegistryCredentialsSchema } from './common-schemas.ts';

/** Limits of build_config, as documented. */
export const BUILD_CONFIG_LIMITS = {
  vcpus: { min: 1, max: 16, default: 2 },
  memory_mib: { min: 128, max: 65536, default: 2048 },
  disk_mb: { min: 256, max: 262144, default: 10240 },
} as const;

const BuildConfigSchema = Type.Object({
  vcpus: Type.Optional(Type.Integer({ description: `Build VM vCPUs, ${BUILD_CONFIG_LIMITS.vcpus.min}–${BUILD_CONFIG_LIMITS.vcpus.max} (default ${BUILD_CONFIG_LIMITS.vcpus.default}).` })),
  memory_mib: Type.Optional(Type.Integer({ description: `Build VM memory in MiB, ${BUILD_CONFIG_LIMITS.memory_mib.min}–${BUILD_CONFIG_LIMITS.memory_mib.max} (default ${BUILD_CONFIG_LIMITS.memory_mib.default}).` })),
  disk_mb: Type.Optional(Type.Integer({ description: `Root filesystem size in MB, ${BUILD_CONFIG_LIMITS.disk_mb.min}–${BUILD_CONFIG_LIMITS.disk_mb.max} (default ${BUILD_CONFIG_LIMITS.disk_mb.default}).` })),
  internet_access: Type.Optional(Type.Boolean({ description: 'Whether build steps reach the internet (default true). The host\'s loopback is never reachable.' })),
}, { additionalProperties: false, description: 'Optional build VM configuration (vCPUs, memory, disk, internet access).' });

const InlineFileSchema = Type.Object({
  path: Type.String({ description: 'Path relative to the context root.' }),
  content: Type.String({ description: 'File content, as UTF-8 text or base64.' }),
  encoding: Type.Optional(Type.Union([Type.Literal('utf8'), Type.Literal('base64')], { description: 'Encoding of content (default utf8).' })),
  mode: Type.Optional(Type.Integer({ minimum: 0, maximum: 0o7777, description: 'Permission bits (default 0644).' })),
});

const BuildContextSchema = Type.Object({
  context_manifest_id: Type.Optional(Type.String({ description: 'Id of a context uploaded with POST /v1/templates/contexts.' })),
  files: Type.Optional(Type.Array(InlineFileSchema, { description: 'Small inline files (at most 1,000 files, 1 MiB in all).' })),
}, { additionalProperties: false, description: 'Explicit local build context used to satisfy COPY/ADD sources during template builds.' });

const RuntimeConfigSchema = Type.Object({
  envs: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Environment of sandboxes made from the template (values are never returned).' })),
  user: Type.Optional(Type.String({ description: 'Default user of sandboxes.' })),
  workdir: Type.Optional(Type.String({ description: 'Default working directory of sandboxes (absolute).' })),
  readiness: Type.Optional(ReadinessSchema),
}, { additionalProperties: false, description: 'Runtime defaults baked into the built template; they override what the Dockerfile or steps set.' });

const RegistryAuthSchema = Type.Array(Type.Object({
  registry: Type.String({ description: 'Registry host, for example ghcr.io or registry.example.com:5000.' }),
  auth: RegistryCredentialsSchema,
}, { additionalProperties: false }), { description: 'Per-registry request-time credentials for BuildKit Dockerfile pulls; each registry must be used by the Dockerfile or base image. Never stored.' });

const BuildSecretsSchema = Type.Array(Type.Object({
  id: Type.String({ description: 'Secret id, as in RUN --mount=type=secret,id=<id>.' }),
  value: Type.String({ description: 'Secret value; forwarded to the build worker only, never stored.' }),
}, { additionalProperties: false }), { description: 'Request-time BuildKit secrets for RUN --mount=type=secret. BuildKit backend only.' });

/** Builds the request schema around a steps schema (a loose one for checking, the full union for documentation). */
export function buildRequestSchema(steps: TSchema) {
  return Type.Object({
    name: Type.Optional(Type.String({ description: 'Template name (falls back to alias, then auto-generated).' })),
    dockerfile: Type.Optional(Type.String({ description: 'Inline Dockerfile content.' })),
    base_image: Type.Optional(Type.String({ description: 'Base OCI image reference (for example debian:bookworm), or a Kiln template ref.' })),
    alias: Type.Optional(Type.String({ description: 'Alternative name field used by SDK builders.' })),
    tags: Type.Optional(Type.Array(Type.String(), { description: 'Tags assigned to the built artifact. Omit to use ["default"]; an empty array is invalid.' })),
    steps: Type.Optional(Type.Array(steps, { description: 'Declarative builder steps converted to a Dockerfile server-side.' })),
    build_envs: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Environment variables available during the template build only.' })),
    start_cmd: Type.Optional(Type.String({ description: 'Start command run during the build before snapshotting.' })),
    build_context: Type.Optional(BuildContextSchema),
    build_config: Type.Optional(BuildConfigSchema),
    build_backend: Type.Optional(Type.Union([Type.Literal('native'), Type.Literal('buildkit')], { description: 'Dockerfile builds default to buildkit; declarative and OCI imports to native. Dockerfile input with native is rejected.' })),
    dockerfile_path: Type.Optional(Type.String({ description: 'Relative Dockerfile path inside the uploaded build context (buildkit).' })),
    build_args: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Safe-to-persist Dockerfile build arguments (buildkit).' })),
    build_target: Type.Optional(Type.String({ description: 'Dockerfile target stage (buildkit).' })),
    runtime_config: Type.Optional(RuntimeConfigSchema),
    base_image_auth: Type.Optional(RegistryCredentialsSchema),
    registry_auth: Type.Optional(RegistryAuthSchema),
    build_secrets: Type.Optional(BuildSecretsSchema),
    skip_cache: Type.Optional(Type.Boolean({ description: 'Bypass the whole-build cache.' })),
    claim_token: Type.Optional(Type.String({ description: 'Reserved template-name claim token.' })),
  }, { additionalProperties: true, description: 'A template build request.' });
}

/** The request schema used for type checks: steps are checked in detail by the steps converter. */
export const BuildRequestCheckSchema = buildRequestSchema(Type.Unknown());

/** A build request that passed the type-level checks. */
export type BuildRequest = Static<typeof BuildRequestCheckSchema>;

/** Every field the request knows; others draw a warning. */
export const BUILD_REQUEST_FIELDS = new Set(Object.keys(BuildRequestCheckSchema.properties));

