/**
 * The images behind `fromPythonImage`, `fromNodeImage` and `fromDebianImage`: Docker Hub's official
 * Debian-based images, so `aptInstall` works on all of them. On a Kiln without a registry, start
 * from the builtin base instead: `Template.fromTemplate(BUILTIN_DEBIAN)`.
 */

/** Python version used when none is given. */
export const DEFAULT_PYTHON_VERSION = '3.12';
/** Node.js major version used when none is given. */
export const DEFAULT_NODE_VERSION = '22';
/** Debian release used when none is given. */
export const DEFAULT_DEBIAN_VARIANT = 'bookworm';
/** Kiln's builtin Debian base (made by `kiln bases build debian-bookworm`), usable with no image registry. */
export const BUILTIN_DEBIAN = 'kiln/debian:bookworm';

/** A tag with a variant (`3.12-bookworm`) is used as given; a bare version gets the slim variant. */
function slim(repo: string, version: string): string {
  return version.includes('-') ? `${repo}:${version}` : `${repo}:${version}-slim`;
}

/** `python:3.12-slim` for `3.12`; `python:3.11-bookworm` for `3.11-bookworm`. */
export function pythonImage(version: string = DEFAULT_PYTHON_VERSION): string {
  return slim('python', version);
}

/** `node:22-slim` for `22`; `node:20-bookworm` for `20-bookworm`. */
export function nodeImage(version: string = DEFAULT_NODE_VERSION): string {
  return slim('node', version);
}

/** `debian:bookworm` for `bookworm`, `debian:bookworm-slim` for `bookworm-slim`. */
export function debianImage(variant: string = DEFAULT_DEBIAN_VARIANT): string {
  return `debian:${variant}`;
}
