/**
 * TypeBox schemas for declarative build steps, as the OpenAPI document describes them. The
 * converter in steps-to-dockerfile.ts applies the finer rules (package names, URLs, paths) itself.
 */
import { Type, type Static } from '@sinclair/typebox';

/** A file mode: an octal string such as "0755", or its numeric value (493). */
const Mode = Type.Union([
  Type.String({ pattern: '^[0-7]{1,5}$', description: 'Octal mode from "0" to "7777", such as "0755".' }),
  Type.Integer({ minimum: 0, maximum: 4095, description: 'Numeric mode value from 0 to 4095 (0o7777); 493 is 0755.' }),
], { description: 'File mode, as an octal string ("0755") or its numeric value (493).' });

/** A user spec: `name`, `uid`, `name:group` or `uid:gid`. */
const UserSpec = (what: string) => Type.String({ minLength: 1, maxLength: 65, description: `${what}: "name", "uid", "name:group" or "uid:gid".` });

/** A path in the image or the build context. */
const PathField = (what: string) => Type.String({ minLength: 1, maxLength: 4096, description: `${what}. No control characters or backslashes; normalised (repeated "/" and "." segments removed).` });

/** A list of package specs. */
const Packages = (what: string) => Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 1000, description: what });

/** Options shared by every object schema here. */
const strict = { additionalProperties: false } as const;

/** `run`: a shell command (string, run by /bin/sh) or an exec-form argv (array). */
export const RunStepSchema = Type.Object({
  type: Type.Literal('run', { description: 'Runs a command.' }),
  command: Type.Union([
    Type.String({ minLength: 1, maxLength: 65536, description: 'Shell command, run by /bin/sh -c; may span several lines.' }),
    Type.Array(Type.String({ maxLength: 65536 }), { minItems: 1, maxItems: 1000, description: 'Exec-form argv, run without a shell.' }),
  ], { description: 'The command: a shell string, or an argv array run without a shell.' }),
  user: Type.Optional(UserSpec('User to run this command as; the user is switched back afterwards')),
}, { ...strict, description: 'Runs a command in the image.' });

/** `copy` / `add`: files from the build context (or, for `add`, http(s) URLs) into the image. */
const copyLike = (kind: 'copy' | 'add') => Type.Object({
  type: Type.Literal(kind, { description: kind === 'copy' ? 'Copies files from the build context.' : 'Adds files from the build context or http(s) URLs (archives are unpacked).' }),
  src: Type.Union([
    Type.String({ minLength: 1, maxLength: 4096 }),
    Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { minItems: 1, maxItems: 1000 }),
  ], { description: kind === 'copy' ? 'Source path(s) in the build context; may not climb out with "..".' : 'Source path(s) in the build context, or http(s) URLs.' }),
  dest: PathField('Destination in the image; with several sources it is a directory'),
  user: Type.Optional(UserSpec('Owner of the copied files (--chown)')),
  mode: Type.Optional(Mode),
}, { ...strict, description: kind === 'copy' ? 'Copies files from the build context into the image.' : 'Adds files or URLs to the image.' });

/** `copy`: files from the build context into the image. */
export const CopyStepSchema = copyLike('copy');
/** `add`: files from the build context or http(s) URLs into the image. */
export const AddStepSchema = copyLike('add');

/** `env`: environment variables for later steps and the sandbox. */
export const EnvStepSchema = Type.Object({
  type: Type.Literal('env', { description: 'Sets environment variables.' }),
  envs: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String({ maxLength: 4096 }), {
    minProperties: 1,
    additionalProperties: false,
    description: 'Variable names ([A-Za-z_][A-Za-z0-9_]*) to values; values are taken literally ("$" is not expanded).',
  }),
}, { ...strict, description: 'Sets environment variables.' });

/** `arg`: a build argument. */
export const ArgStepSchema = Type.Object({
  type: Type.Literal('arg', { description: 'Declares a build argument.' }),
  name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 256, description: 'Argument name.' }),
  default: Type.Optional(Type.String({ maxLength: 4096, description: 'Default value, taken literally.' })),
}, { ...strict, description: 'Declares a build argument.' });

/** `workdir`: the working directory for later steps and the sandbox. */
export const WorkdirStepSchema = Type.Object({
  type: Type.Literal('workdir', { description: 'Sets the working directory.' }),
  path: PathField('Working directory; created when missing'),
}, { ...strict, description: 'Sets the working directory.' });

/** `user`: the user for later steps and the sandbox. */
export const UserStepSchema = Type.Object({
  type: Type.Literal('user', { description: 'Sets the user.' }),
  user: UserSpec('The user later steps and the sandbox run as'),
}, { ...strict, description: 'Sets the user.' });

/** `apt_install`: Debian packages. */
export const AptInstallStepSchema = Type.Object({
  type: Type.Literal('apt_install', { description: 'Installs Debian packages with apt-get.' }),
  packages: Packages('Debian package names, optionally "name:arch" and "=version".'),
  no_install_recommends: Type.Optional(Type.Boolean({ description: 'Passes --no-install-recommends.' })),
}, { ...strict, description: 'Installs Debian packages with apt-get.' });

/** `pip_install`: Python packages. */
export const PipInstallStepSchema = Type.Object({
  type: Type.Literal('pip_install', { description: 'Installs Python packages with pip.' }),
  packages: Packages('PEP 508 requirements without spaces, markers or URLs, such as "requests[socks]>=2.31,<3".'),
  index_url: Type.Optional(Type.String({ maxLength: 4096, description: 'http(s) package index URL (--index-url).' })),
}, { ...strict, description: 'Installs Python packages with pip.' });

/** `npm_install`: Node.js packages. */
export const NpmInstallStepSchema = Type.Object({
  type: Type.Literal('npm_install', { description: 'Installs Node.js packages with npm.' }),
  packages: Packages('npm package specs: "name", "@scope/name", optionally "@version", "@range" or "@tag".'),
  global: Type.Optional(Type.Boolean({ description: 'Installs globally (-g).' })),
}, { ...strict, description: 'Installs Node.js packages with npm.' });

/** `git_clone`: a git repository. */
export const GitCloneStepSchema = Type.Object({
  type: Type.Literal('git_clone', { description: 'Clones a git repository.' }),
  url: Type.String({ minLength: 1, maxLength: 4096, description: 'Repository URL: https://, http://, ssh:// or user@host:path.' }),
  path: PathField('Directory to clone into'),
  branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Branch or tag to check out (a valid git ref name).' })),
  depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'History depth (--depth).' })),
}, { ...strict, description: 'Clones a git repository.' });

/** `make_dir`: a directory and its parents. */
export const MakeDirStepSchema = Type.Object({
  type: Type.Literal('make_dir', { description: 'Creates a directory and its parents.' }),
  path: PathField('Directory to create'),
  mode: Type.Optional(Mode),
}, { ...strict, description: 'Creates a directory and its parents.' });

/** `make_symlink`: a symbolic link. */
export const MakeSymlinkStepSchema = Type.Object({
  type: Type.Literal('make_symlink', { description: 'Creates or replaces a symbolic link.' }),
  target: PathField('What the link points to'),
  path: PathField('Where the link is created'),
}, { ...strict, description: 'Creates or replaces a symbolic link.' });

/** `remove`: a file or directory. */
export const RemoveStepSchema = Type.Object({
  type: Type.Literal('remove', { description: 'Removes a file or directory.' }),
  path: PathField('Path to remove, taken literally (no globbing); not "/"'),
  recursive: Type.Optional(Type.Boolean({ description: 'Removes directories and their contents (-r).' })),
}, { ...strict, description: 'Removes a file or directory.' });

/** `rename`: a move or rename. */
export const RenameStepSchema = Type.Object({
  type: Type.Literal('rename', { description: 'Moves or renames a file or directory.' }),
  from: PathField('Existing path'),
  to: PathField('New path'),
}, { ...strict, description: 'Moves or renames a file or directory.' });

/** The second platform's step form: `{type: RUN|COPY|ENV|WORKDIR|USER|CMD, args, filesHash?}`. */
export const LegacyStepSchema = Type.Object({
  type: Type.Union([
    Type.Literal('RUN'), Type.Literal('COPY'), Type.Literal('ENV'), Type.Literal('WORKDIR'), Type.Literal('USER'), Type.Literal('CMD'),
  ], { description: 'Instruction: RUN (each arg a shell command, one RUN each), COPY ([src..., dest], or [dest] with filesHash), ENV (KEY=value each), WORKDIR and USER (one arg), CMD (exec-form argv).' }),
  args: Type.Array(Type.String({ maxLength: 65536 }), { minItems: 1, maxItems: 1000, description: 'Arguments of the instruction.' }),
  filesHash: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'COPY only: hash naming the uploaded files; with a lone destination they are copied from the context root.' })),
}, { ...strict, description: 'A step in the upper-case {type, args} form.' });

/** Any declarative step: one of the fifteen lower-case kinds or the upper-case `{type, args}` form. */
export const StepSchema = Type.Union([
  RunStepSchema, CopyStepSchema, AddStepSchema, EnvStepSchema, ArgStepSchema, WorkdirStepSchema, UserStepSchema,
  AptInstallStepSchema, PipInstallStepSchema, NpmInstallStepSchema, GitCloneStepSchema, MakeDirStepSchema,
  MakeSymlinkStepSchema, RemoveStepSchema, RenameStepSchema, LegacyStepSchema,
], { description: 'A declarative build step: one of the lower-case kinds, or the upper-case {type, args} form.' });

/** The `steps` array of a build request. */
export const StepsSchema = Type.Array(StepSchema, { maxItems: 1000, description: 'Declarative build steps, applied in order on base_image.' });

/** One declarative step, as the schema types it. */
export type Step = Static<typeof StepSchema>;
