/** Small TypeBox schemas shared by several request and response schemas. */
import { Type, type Static } from '@sinclair/typebox';

/** Environment-variable-like string map. */
export const StringMap = Type.Record(Type.String(), Type.String(), {
  description: 'Map of names to string values.',
});

/** A readiness check, as a template declares it. */
export const ReadinessSchema = Type.Object({
  kind: Type.Union([
    Type.Literal('tcp'), Type.Literal('http'), Type.Literal('file'),
    Type.Literal('process'), Type.Literal('command'), Type.Literal('timeout'),
  ], {
    description: 'What to wait for: a TCP port, an HTTP URL, a file, a process, a command that exits 0, or a fixed time.',
  }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'tcp/http: the port.' })),
  url: Type.Optional(Type.String({ description: 'http: a URL on localhost, 127.0.0.1 or 0.0.0.0 with an explicit port.' })),
  path: Type.Optional(Type.String({ description: 'file: the absolute path that must exist.' })),
  process: Type.Optional(Type.String({ description: 'process: the process name that must be running.' })),
  command: Type.Optional(Type.String({ description: 'command: a shell command that must exit 0.' })),
  timeout_secs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'How long to wait in all (default 30).' })),
  interval_ms: Type.Optional(Type.Integer({ minimum: 10, maximum: 60000, description: 'Time between checks (default 500).' })),
  startup_grace_secs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'Wait before the first check (default 0).' })),
}, { additionalProperties: false, description: 'How a started template is judged ready.' });

/** Basic (username/password), token, or AWS ECR credentials for a registry. */
export const RegistryCredentialsSchema = Type.Union([
  Type.Object({
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
  }, { additionalProperties: false, title: 'basic', description: 'Username and password (or access token as password).' }),
  Type.Object({
    token: Type.String({ minLength: 1 }),
  }, { additionalProperties: false, title: 'token', description: 'A bearer (identity) token.' }),
  Type.Object({
    aws_access_key_id: Type.String({ minLength: 1 }),
    aws_secret_access_key: Type.String({ minLength: 1 }),
    aws_region: Type.String({ minLength: 1 }),
  }, { additionalProperties: false, title: 'aws', description: 'AWS credentials for an ECR registry.' }),
], { description: 'Registry credentials; used at request time only, never stored.' });

/** The kind of a set of registry credentials; the only thing about them Kiln stores. */
export type AuthKind = 'basic' | 'token' | 'aws';

/** Static type of registry credentials. */
export type RegistryCredentials = Static<typeof RegistryCredentialsSchema>;

/** The kind of credentials given. */
export function authKind(auth: RegistryCredentials): AuthKind {
  if ('token' in auth) return 'token';
  if ('aws_access_key_id' in auth) return 'aws';
  return 'basic';
}
