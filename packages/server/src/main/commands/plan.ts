/** `kiln plan [path]`: the normalised plan of a Dockerfile build, without building. */
import { Template, type PlanResult } from '@kiln/sdk';
import { withClient, type ClientFlags } from './client-options.ts';
import { buildInputs, type BuildFlags } from './build-inputs.ts';
import { printJson } from './print-build.ts';

/** The plan as `kiln plan` prints it. */
export function planLines(plan: PlanResult): string[] {
  const p = plan.build_plan;
  const lines = [
    `backend:        ${plan.build_backend} (${plan.source_type})`,
    `base:           ${p.base_template}`,
    `steps:`,
    ...p.build_steps.map((s) => {
      const flags = Object.entries(s.flags ?? {}).map(([k, v]) => `--${k}=${v} `).join('');
      return `  ${String(s.index).padStart(3)}  ${s.instruction} ${flags}${s.args.join(' ')}`.trimEnd() + (s.line ? `   (line ${s.line})` : '');
    }),
  ];
  if (p.env_assignments.length) lines.push(`env:            ${p.env_assignments.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  lines.push(`user:           ${p.default_user ?? '-'}`);
  lines.push(`workdir:        ${p.default_workdir ?? '-'}`);
  lines.push(`start command:  ${p.start_cmd ?? '-'}`);
  lines.push(`readiness:      ${p.readiness ? JSON.stringify(p.readiness) : '-'}`);
  if (plan.context_manifest) lines.push(`context:        ${plan.context_manifest.file_count} files, ${plan.context_manifest.context_digest}`);
  lines.push(`source digest:  ${plan.source_digest}`);
  if (plan.dockerfile_digest) lines.push(`dockerfile:     ${plan.dockerfile_digest}`);
  for (const ignored of p.ignored_instruction_warnings) lines.push(`ignored:        line ${ignored.line}: ${ignored.instruction}`);
  for (const w of plan.warnings) lines.push(`warning:        ${w}`);
  return lines;
}

/** Prints the plan of the Dockerfile at `target`. */
export async function planCommand(target: string, flags: BuildFlags & ClientFlags & { json?: boolean }): Promise<void> {
  const inputs = buildInputs(target, flags);
  await withClient(flags, async (conn) => {
    const plan = await Template.plan(inputs.template, { ...inputs.options, ...conn, ...(inputs.name ? { name: inputs.name } : {}) });
    if (flags.json) printJson(plan);
    else process.stdout.write(`${planLines(plan).join('\n')}\n`);
  });
}
