/**
 * Worked example: a Python data-science template (NumPy, pandas, scikit-learn, Matplotlib, JupyterLab)
 * on `python:3.12-slim`, defined with the @kiln/sdk builder, then planned, built with its log streamed,
 * and tagged. Needs a Kiln server that can pull `python:3.12-slim` (Docker Hub or a mirror) and
 * reach PyPI. See README.md.
 *
 *   KILN_API_KEY=kiln_… node examples/python-data-science/build-template.ts          # plan, build, tag
 *   KILN_API_KEY=kiln_… node examples/python-data-science/build-template.ts --plan   # plan only
 */
import { Template, TemplateBuild, waitForUrl, type ConnectionOptions, type LogEntry, type TemplateFinal } from '@kiln/sdk';

/** The template's name on the server. */
export const NAME = 'python-data-science';

/** The definition: pip installs on the slim Python image, a user, the notebooks, and JupyterLab as the start command. */
export const dataScience: TemplateFinal = Template.fromPythonImage('3.12')
  .pipInstall(['numpy==2.1.3', 'pandas==2.2.3', 'scikit-learn==1.5.2', 'matplotlib==3.9.2', 'jupyterlab==4.3.1'])
  .runCmd('useradd --create-home --shell /bin/bash analyst')
  .copy('notebooks/', '/home/analyst/notebooks/', { user: 'analyst:analyst' })
  .setUser('analyst')
  .setWorkdir('/home/analyst/notebooks')
  .setEnvs({ MPLBACKEND: 'Agg', PYTHONUNBUFFERED: '1' })
  .setStartCmd(
    'jupyter lab --ip=0.0.0.0 --port=8888 --no-browser --IdentityProvider.token=',
    waitForUrl('http://localhost:8888/api', { timeoutSecs: 60 }),
  );

/** One log line as the example prints it. */
function printEntry(e: LogEntry): void {
  const where = e.step_index ? `step ${e.step_index}/${e.total_steps}` : (e.phase ?? e.kind);
  if (e.level !== 'debug') console.log(`[${where}] ${e.message}`);
}

/** Plans the template, builds it with its log streamed, and tags the result. */
export async function main(conn: ConnectionOptions, planOnly: boolean): Promise<void> {
  // The build context is this example's directory: the copy step reads notebooks/ from it.
  const contextPath = import.meta.dirname;

  // 1. The plan: what the server will run, without building.
  const plan = await Template.plan(dataScience, { ...conn, name: NAME, contextPath });
  console.log(`backend ${plan.build_backend}, source ${plan.source_type}, base ${plan.build_plan.base_template}`);
  for (const s of plan.build_plan.build_steps) {
    const flags = Object.entries(s.flags ?? {}).map(([k, v]) => `--${k}=${v} `).join('');
    console.log(`  ${s.index}. ${s.instruction} ${flags}${s.args.join(' ')}`);
  }
  console.log(`start: ${plan.build_plan.start_cmd}; ready: ${JSON.stringify(plan.build_plan.readiness)}`);
  console.log(`generated Dockerfile:\n${plan.generated_dockerfile}`);
  if (planOnly) return;

  // 2. The build, in the background; its log is followed over Server-Sent Events.
  const build = await Template.buildInBackground(dataScience, NAME, { ...conn, tags: ['v1'], contextPath });
  console.log(`build ${build.buildId} started (context: ${build.contextUpload?.blobsSent ?? 0} files sent)`);
  for await (const entry of build.logs({ follow: true })) printEntry(entry);

  // The log ends with the build; reconnecting later by id works the same way.
  const info = (await TemplateBuild.connect(build.buildId, conn)).info;
  if (info.status !== 'ready') {
    console.error(`build ${info.status}: ${info.error_detail?.code} in ${info.error_detail?.phase}: ${info.error_detail?.message}`);
    process.exitCode = 1;
    return;
  }

  // 3. Tags: v1 came with the build; point stable at it too, then show where every tag points.
  await build.promote('stable');
  const template = await Template.get(NAME, { ...conn, fields: ['id', 'name', 'tags', 'default_tag'] });
  for (const t of template.tags) console.log(`${NAME}:${t.tag} → ${t.build_id}`);
  const history = await Template.listBuilds(NAME, { ...conn, limit: 5 });
  console.log(`last builds: ${history.builds.map((b) => `${b.build_id} ${b.status}`).join(', ')}`);
}

if (import.meta.main) {
  await main({ apiKey: process.env.KILN_API_KEY, apiUrl: process.env.KILN_API_URL }, process.argv.includes('--plan'));
}
