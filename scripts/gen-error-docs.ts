/** Writes docs/error-codes.md from the error-code catalogue. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderErrorDocs } from '../packages/server/src/errors/error-docs.ts';

writeFileSync(path.resolve(import.meta.dirname, '../docs/error-codes.md'), renderErrorDocs());
