/** OpenAPI shapes of the template routes: the template object, its tags and aliases, and the error body. */
import { Type, type TSchema } from '@sinclair/typebox';
import { TEMPLATE_FIELDS } from '../../../domain/templates/template-view.ts';

const nullable = <T extends TSchema>(t: T, description: string) => Type.Union([t, Type.Null()], { description });

/** The `{ref}` path parameter. */
export const RefParams = Type.Object({
  ref: Type.String({ description: 'A template ref: an id (tmpl_…), name, name:tag, name:tb_… or namespace/name:tag (write the slash as %2F in the path).' }),
});

/** One tag of a template. */
export const TagSchema = Type.Object({
  tag: Type.String(),
  build_id: nullable(Type.String(), 'The build the tag points at; null for the image tags of a builtin template.'),
  updated_at: Type.String({ format: 'date-time' }),
});

/** The template object; with a `fields` mask only the chosen fields are present. */
export const TemplateSchema = Type.Object({
  id: Type.Optional(Type.String({ description: 'tmpl_…' })),
  name: Type.Optional(Type.String()),
  description: Type.Optional(nullable(Type.String(), 'Free text, or null.')),
  tags: Type.Optional(Type.Array(TagSchema, { description: 'Every tag of the template and the build it points at, by tag.' })),
  default_tag: Type.Optional(nullable(Type.String(), 'The tag a bare name resolves to ("default" when the template has it; a builtin: "latest" or its one tag); null when a bare name resolves to the newest ready build.')),
  builtin: Type.Optional(Type.Boolean({ description: 'Whether it is a builtin template of the reserved kiln/ namespace.' })),
  canonical_ref: Type.Optional(Type.String({ description: 'namespace_slug/name: a ref to it that works for every tenant that may read it.' })),
  namespace_slug: Type.Optional(Type.String({ description: 'The owner\'s namespace ("kiln" for builtins).' })),
  visibility: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('public')])),
  aliases: Type.Optional(Type.Array(Type.String(), { description: 'Other names that resolve to it (old names after a rename, the alias of a build request).' })),
  created_at: Type.Optional(Type.String({ format: 'date-time' })),
  updated_at: Type.Optional(Type.String({ format: 'date-time' })),
}, { description: 'A template.' });

/** The `fields` query parameter. */
export const FieldsQuery = Type.Optional(Type.String({ description: `Comma-separated field mask, from: ${TEMPLATE_FIELDS.join(', ')}. An unknown field is a 400.` }));

/** The aliases of a template. */
export const AliasesSchema = Type.Object({
  template_id: Type.String(),
  aliases: Type.Array(Type.Object({ alias: Type.String(), created_at: Type.String({ format: 'date-time' }) })),
});

/** The error body every failure answers with. */
export const ErrorSchema = Type.Object({
  error: Type.String(),
  code: Type.String({ description: 'A stable code; see the table in the description of this document.' }),
  message: Type.String(),
  phase: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({
    code: Type.String(), message: Type.String(), phase: Type.String(), line: Type.Optional(Type.Integer()), field: Type.Optional(Type.String()),
  }))),
  request_id: Type.String(),
});

/** Responses of a template route: `ok` for its success status, the error body for 4xx. */
export function responses(ok: TSchema, status = 200): Record<string, TSchema> {
  return { [status]: ok, '4xx': ErrorSchema };
}
