/** Renders the error-code catalogue as the Markdown table in docs/error-codes.md. */
import { ERROR_CODES } from './codes.ts';

/** The Markdown document listing every error code. */
export function renderErrorDocs(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.description} |`);
  return [
    '# Error codes',
    '',
    'Every error Kiln returns is `{error, code, message, phase, errors, request_id}`. `code` is one of these;',
    '`errors` lists every problem when there are several (each `{code, message, phase, line?, field?}`).',
    'This file is generated from `packages/server/src/errors/codes.ts` (`npm run docs:errors`).',
    '',
    '| code | HTTP status | meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
