/** What a template definition holds: its source, its steps, its start command and build-level switches. */
import type { ReadyCheck } from './readiness.ts';
import type { Step } from './steps.ts';

/** Credentials for a private registry: basic, a bearer token, or AWS ECR keys. */
export type RegistryCredentials =
  | { username: string; password: string }
  | { token: string }
  | { aws_access_key_id: string; aws_secret_access_key: string; aws_region: string };

/** Where a template starts from. */
export type TemplateSource =
  /** An OCI image (`base_image`), with credentials for a private registry. */
  | { kind: 'image'; ref: string; auth?: RegistryCredentials }
  /** One of your templates, or a public or builtin one (`base_image` naming a template ref). */
  | { kind: 'template'; ref: string }
  /** A Dockerfile's text; `buildArgs` and `target` are passed to the buildkit backend. */
  | { kind: 'dockerfile'; content: string; buildArgs?: Record<string, string>; target?: string };

/** A build secret for `RUN --mount=type=secret,id=…` (buildkit backend). */
export interface BuildSecret {
  id: string;
  value: string;
}

/** Everything a template definition holds; definitions are immutable, each method returns a new one. */
export interface TemplateState {
  source: TemplateSource;
  steps: readonly Step[];
  startCmd?: string;
  readiness?: ReadyCheck;
  secrets: readonly BuildSecret[];
  skipCache: boolean;
}
