/** The reserved tenant that owns builtin templates (`kiln/…` refs); no API key ever belongs to it. */
export const BUILTIN_TENANT = 'kiln';

/** The namespace prefix of builtin template refs. */
export const BUILTIN_PREFIX = 'kiln/';
