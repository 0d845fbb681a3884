/** `kiln templates get <ref> [--fields …]`: one template. */
import { Template, type TemplateInfo } from '@kiln/sdk';
import { withClient, type ClientFlags } from './client-options.ts';
import { printJson } from './print-build.ts';
import { templateLines } from './print-template.ts';

/** Prints the template `ref` names (only `--fields a,b` when given). */
export async function templatesGetCommand(ref: string, flags: ClientFlags & { fields?: string; json?: boolean }): Promise<void> {
  const fields = flags.fields?.split(',').map((f) => f.trim()).filter(Boolean) as (keyof TemplateInfo)[] | undefined;
  await withClient(flags, async (conn) => {
    const template = await Template.get(ref, { ...conn, ...(fields?.length ? { fields } : {}) });
    if (flags.json) printJson(template);
    else process.stdout.write(`${templateLines(template).join('\n')}\n`);
  });
}
