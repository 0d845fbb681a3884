/**
 * The declarative steps a builder sends as the build request's `steps`, in the exact JSON the
 * server accepts (see the server's steps schema); the server turns them into a Dockerfile.
 */

/** A file mode: a number (`0o755`) or octal text (`"0755"`). */
export type FileMode = number | string;

/** Runs a shell command, optionally as another user (switched back afterwards). */
export interface RunStep { type: 'run'; command: string; user?: string }
/** Copies files from the build context. */
export interface CopyStep { type: 'copy'; src: string | string[]; dest: string; user?: string; mode?: FileMode }
/** Sets environment variables for later steps and the sandbox. */
export interface EnvStep { type: 'env'; envs: Record<string, string> }
/** Sets the working directory. */
export interface WorkdirStep { type: 'workdir'; path: string }
/** Sets the user. */
export interface UserStep { type: 'user'; user: string }
/** Installs Debian packages with apt-get. */
export interface AptInstallStep { type: 'apt_install'; packages: string[]; no_install_recommends?: boolean }
/** Installs Python packages with pip. */
export interface PipInstallStep { type: 'pip_install'; packages: string[]; index_url?: string }
/** Installs Node.js packages with npm. */
export interface NpmInstallStep { type: 'npm_install'; packages: string[]; global?: boolean }
/** Clones a git repository. */
export interface GitCloneStep { type: 'git_clone'; url: string; path: string; branch?: string; depth?: number }
/** Creates a directory and its parents. */
export interface MakeDirStep { type: 'make_dir'; path: string; mode?: FileMode }
/** Creates or replaces a symbolic link at `path` pointing to `target`. */
export interface MakeSymlinkStep { type: 'make_symlink'; target: string; path: string }
/** Removes a file or directory. */
export interface RemoveStep { type: 'remove'; path: string; recursive?: boolean }
/** Moves or renames a file or directory. */
export interface RenameStep { type: 'rename'; from: string; to: string }

/** One declarative step. */
export type Step =
  | RunStep | CopyStep | EnvStep | WorkdirStep | UserStep | AptInstallStep | PipInstallStep | NpmInstallStep
  | GitCloneStep | MakeDirStep | MakeSymlinkStep | RemoveStep | RenameStep;
