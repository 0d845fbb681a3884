/**
 * The buildkit backend: the build's Dockerfile (given, read from the context, or generated from
 * steps) runs through `buildah bud` in Kiln's own buildah storage, each RUN in a runc container
 * (`--isolation oci`) in the build's slirp4netns network namespace, or with none without `internet_access`. Its
 * output becomes `step` log entries as it arrives; the built image is exported as an OCI layout
 * and unpacked by Kiln's layer applier into `<buildDir>/rootfs`. Secrets and registry
 * credentials reach buildah only as files in a private directory that is removed afterwards.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import type { BuildPlan, BuildStep } from '../../domain/plan-types.ts';
import { analyzeCached } from '../../domain/plan/analysis-cache.ts';
import { findTemplateRefs } from '../../domain/plan/template-refs.ts';
import type { BlobStore } from '../../context/blob-store.ts';
import type { ContextFile, Store } from '../../store/store.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { LayerLimits } from '../../oci/layers/apply-layer.ts';
import { parseImageReference } from '../../oci/image-reference.ts';
import type { RegistryClientOptions } from '../../oci/registry/registry-options.ts';
import type { BuildExecutor, ExecutionContext, ExecutionResult } from '../build-executor.ts';
import { mergeDefaults } from '../merge-defaults.ts';
import { startFinishedRootfs } from '../native/start-check.ts';
import type { BaseRootfsCache } from '../native/base-rootfs-cache.ts';
import { LayoutSource } from '../../oci/import/layout-source.ts';
import { openBuildNetwork, type BuildNetwork } from '../runc/build-network.ts';
import type { BuildahHost } from '../buildah/buildah-host.ts';
import { runBuildah } from '../buildah/buildah-process.ts';
import { budArgs } from '../buildah/bud-args.ts';
import { buildFailure } from '../buildah/buildah-errors.ts';
import { rewriteDockerfile } from '../buildah/dockerfile-rewrite.ts';
import { exportImage } from '../buildah/export-image.ts';
import { resolveKilnBases } from '../buildah/kiln-base-images.ts';
import { materializeContext } from '../buildah/materialize-context.ts';
import { PrivateFiles } from '../buildah/private-files.ts';
import { authFile, registriesConf, type RegistryLogin } from '../buildah/registry-config.ts';
import { Redactor } from '../buildah/redactor.ts';
import { StepOutput } from '../buildah/step-output.ts';

/** What the Dockerfile executor uses. */
export interface DockerfileExecutorDeps {
  store: Store;
  images: OciLayoutStore;
  blobs: BlobStore;
  host: BuildahHost;
  registry: RegistryClientOptions;
  limits: LayerLimits;
  /** Unpacked bases shared with the native backend: a build on one of Kiln's images unpacks only its own layers. */
  bases: BaseRootfsCache;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Runs Dockerfile builds (and steps or images on the buildkit backend) with buildah. */
export class DockerfileExecutor implements BuildExecutor {
  readonly kind = 'buildkit' as const;
  private readonly deps: DockerfileExecutorDeps;

  constructor(deps: DockerfileExecutorDeps) {
    this.deps = deps;
  }

  /** Prepares the context and Dockerfile, runs buildah, and unpacks the image it built. */
  async run(ctx: ExecutionContext): Promise<ExecutionResult> {
    const { build, log } = ctx;
    const { host } = this.deps;
    const def = build.definition;
    await log.enter('preparing', 'Preparing the Dockerfile build.');
    this.checkCredentials(ctx);
    const driver = await host.init();

    const runDir = host.buildDir(build.id);
    const contextDir = path.join(ctx.buildDir, 'context');
    await rm(runDir, { recursive: true, force: true });
    await rm(contextDir, { recursive: true, force: true });
    await mkdir(path.join(runDir, 'tmp'), { recursive: true, mode: 0o700 });
    await mkdir(path.join(runDir, 'runc'), { recursive: true, mode: 0o700 });
    const secrets = await PrivateFiles.create();
    await host.acquire();
    let leftovers = true;
    let network: BuildNetwork | undefined;
    try {
      const files = await this.contextFiles(build.tenant_id, build.context_digest);
      const written = await materializeContext(files, contextDir, (sha) => this.deps.blobs.path(sha), ctx.signal);
      if (files.length > 0) await log.info(`Build context: ${written.files} entries, ${mib(written.bytes)}.`);

      const text = await this.dockerfileText(build.plan, def, files);
      const buildArgs = (def.build_args ?? {}) as Record<string, string>;
      const target = typeof def.build_target === 'string' ? def.build_target : undefined;
      let refs = new Set<string>();
      let analysis = analyzeCached(text, { buildArgs, buildTarget: target, templateRefs: refs });
      refs = await findTemplateRefs(this.deps.store, build.tenant_id, analysis.external_images);
      if (refs.size > 0) analysis = analyzeCached(text, { buildArgs, buildTarget: target, templateRefs: refs });
      if (analysis.errors.length > 0) throw new KilnError(analysis.errors[0].code, analysis.errors[0].message, { phase: 'preparing' });
      const bases = await resolveKilnBases(refs, build.tenant_id, { ...this.deps, linkDir: await host.linkDir() });
      const fromImages = new Map<number, string>();
      for (const s of analysis.plan.build_steps) {
        const oci = s.instruction === 'FROM' ? bases.get(s.args[0])?.oci : undefined;
        if (oci) fromImages.set(s.line, oci);
      }
      for (const [ref] of bases) await log.info(`${ref} is read from this server's image store.`);

      const plan = build.plan as { build_plan?: BuildPlan };
      const buildEnvs = plan.build_plan?.build_envs ?? {};
      const rewritten = rewriteDockerfile(text, { fromImages, stageArgs: Object.keys(buildEnvs) });
      const dockerfile = path.join(runDir, 'Dockerfile');
      await writeFile(dockerfile, rewritten.text, { mode: 0o600 });
      const registriesFile = path.join(runDir, 'registries.conf');
      await writeFile(registriesFile, registriesConf(this.deps.registry), { mode: 0o600 });
      const certDir = await this.writeCerts(runDir);

      const logins = this.logins(ctx, analysis.external_images.filter((r) => !refs.has(r)));
      const redactor = new Redactor(secretValues(ctx));
      const present = (line: string) => {
        let out = redactor.redact(line);
        for (const [ref, { oci }] of bases) out = out.split(oci).join(ref);
        return out;
      };
      const secretFiles = [];
      for (const s of ctx.credentials?.build_secrets ?? []) secretFiles.push({ id: s.id, file: await secrets.write(s.id, s.value) });
      const auth = logins.length > 0 ? await secrets.write('auth.json', authFile(logins)) : undefined;

      const config = build.build_config as { vcpus?: number; memory_mib?: number; internet_access?: boolean };
      const layers = def.skip_cache !== true;
      const iidFile = path.join(runDir, 'iid');
      network = config.internet_access === false ? undefined : await openBuildNetwork(true, runDir);
      const args = budArgs({
        dockerfile, contextDir, iidFile, runcRoot: path.join(runDir, 'runc'), policyPath: host.policyPath(),
        registriesConf: registriesFile, certDir, authFile: auth, secrets: secretFiles,
        buildArgs: { ...buildEnvs, ...buildArgs }, target, layers, network: network?.netns && network.dns ? { netns: network.netns, dns: network.dns } : null,
        vcpus: config.vcpus, memoryMib: config.memory_mib,
      });
      const steps: BuildStep[] = plan.build_plan?.build_steps ?? analysis.plan.build_steps;
      await log.enter('step', `Running buildah (${driver} storage, ${network ? 'outbound network through slirp4netns' : 'no network'}, ${layers ? 'layer cache on' : 'layer cache skipped'}).`);
      const output = new StepOutput(ctx, rewritten.stages, steps, { layers, present });
      const env = { TMPDIR: path.join(runDir, 'tmp') };
      const exit = await runBuildah(host, args, { env, runcRoot: path.join(runDir, 'runc'), signal: ctx.signal, onLine: (line) => output.line(line) });
      await output.finish(exit.code === 0 && !exit.aborted);
      if (exit.aborted) throw new KilnError('build_cancelled', 'The build was stopped.', { phase: 'step' });
      if (exit.code !== 0) throw buildFailure({ tail: exit.tail.map(present), step: output.step });

      const imageId = (await readFile(iidFile, 'utf8')).trim().replace(/^sha256:/, '');
      await log.enter('finalize', `Exporting image ${imageId.slice(0, 12)} into the root filesystem.`);
      const kilnBase = bases.get(analysis.plan.base_template);
      const base = kilnBase ? await this.deps.bases.get(new LayoutSource(this.deps.images, kilnBase.name), { signal: ctx.signal }) : undefined;
      const result = await exportImage(host, imageId, { buildDir: ctx.buildDir, limits: this.deps.limits, images: this.deps.images, base, signal: ctx.signal, env });
      await log.info(`Unpacked ${result.layers_applied} layer${result.layers_applied === 1 ? '' : 's'} (${mib(result.bytes_applied)}) in ${(result.duration_ms / 1000).toFixed(2)} s${result.layers.length > 1 ? `, over the unpacked ${analysis.plan.base_template}` : ''}.`);
      // With the layer cache on, the image is the cache of the last step and stays; otherwise it goes.
      if (!layers) await host.command(['rmi', '--force', imageId], { env });
      leftovers = false;
      await startFinishedRootfs(ctx, { layers: result.layers, defaults: result.defaults, env: {} });
      // Over an unpacked base, the bottom layer is that base's image; otherwise the whole tree is the exported image.
      const bottomImage = base && result.layers.length > 1 ? base.image.manifest_digest : result.manifest_digest;
      return { ...mergeDefaults(build, result.defaults), rootfs: { layers: result.layers, baseManifestDigest: bottomImage } };
    } finally {
      await network?.close();
      await secrets.remove();
      await rm(runDir, { recursive: true, force: true });
      await rm(contextDir, { recursive: true, force: true });
      await host.release(leftovers);
    }
  }

  /** Fails early when the build needs request-time secrets this process no longer holds. */
  private checkCredentials(ctx: ExecutionContext): void {
    const { build } = ctx;
    const wanted = (build.definition.build_secrets as { id: string }[] | undefined) ?? [];
    const held = new Set((ctx.credentials?.build_secrets ?? []).map((s) => s.id));
    const missing = wanted.filter((s) => !held.has(s.id)).map((s) => s.id);
    if (missing.length > 0 || (build.requires_base_image_auth && !ctx.credentials)) {
      const what = missing.length > 0 ? `build_secrets (${missing.join(', ')})` : 'registry credentials';
      throw new KilnError('credentials_required', `This build needs ${what}, and this server no longer holds them (it restarted since the build was queued). Retry the build with them.`, { phase: 'preparing' });
    }
  }

  /** The files of the build's stored context (none when it has no context). */
  private async contextFiles(tenantId: string, digest: string | null): Promise<ContextFile[]> {
    if (!digest) return [];
    const m = await this.deps.store.findContextManifestByDigest(tenantId, digest);
    if (!m) throw new KilnError('context_not_found', `The build context ${digest} is no longer stored; upload it again and start a new build.`, { phase: 'preparing' });
    return m.files;
  }

  /** The Dockerfile to build: generated from steps, given inline, read from the context, or `FROM <base_image>`. */
  private async dockerfileText(planResponse: Record<string, unknown>, def: Record<string, unknown>, files: ContextFile[]): Promise<string> {
    if (typeof planResponse.generated_dockerfile === 'string') return planResponse.generated_dockerfile;
    if (typeof def.dockerfile === 'string') return def.dockerfile;
    if (typeof def.dockerfile_path === 'string') {
      const wanted = def.dockerfile_path.replace(/^(\.\/)+/, '').replace(/\/+/g, '/');
      const file = files.find((f) => f.path === wanted && f.type === 'file');
      if (!file?.sha256) throw new KilnError('context_source_missing', `dockerfile_path ${JSON.stringify(def.dockerfile_path)} is not a file of the build context.`, { phase: 'preparing' });
      return readFile(this.deps.blobs.path(file.sha256), 'utf8');
    }
    if (typeof def.base_image === 'string') return `FROM ${def.base_image}\n`;
    throw new KilnError('missing_source', 'This build has no Dockerfile, steps or base image to build.', { phase: 'preparing' });
  }

  /** Registry credentials for buildah: base_image_auth for the external images, and every registry_auth entry. */
  private logins(ctx: ExecutionContext, externalImages: string[]): RegistryLogin[] {
    const creds = ctx.credentials;
    const out: RegistryLogin[] = [];
    if (creds?.base_image_auth) {
      for (const ref of externalImages) {
        const parsed = parseImageReference(ref);
        if (typeof parsed !== 'string') out.push({ registry: parsed.registry, auth: creds.base_image_auth });
      }
    }
    for (const r of creds?.registry_auth ?? []) out.push({ registry: r.registry, auth: r.auth });
    return out;
  }

  /** Writes KILN_REGISTRY_CA_FILES certificates where `--cert-dir` finds them. */
  private async writeCerts(runDir: string): Promise<string | undefined> {
    const certs = this.deps.registry.caCerts ?? [];
    if (certs.length === 0) return undefined;
    const dir = path.join(runDir, 'certs');
    await mkdir(dir, { mode: 0o700 });
    await Promise.all(certs.map((pem, i) => writeFile(path.join(dir, `kiln-ca-${i}.crt`), pem, { mode: 0o600 })));
    return dir;
  }
}

/** Every secret value of the build, for masking output. */
function secretValues(ctx: ExecutionContext): string[] {
  const c = ctx.credentials;
  if (!c) return [];
  const auths = [c.base_image_auth, ...(c.registry_auth ?? []).map((r) => r.auth)].filter((a) => a !== undefined);
  return [
    ...(c.build_secrets ?? []).map((s) => s.value),
    ...auths.flatMap((a) => ('token' in a ? [a.token] : 'password' in a ? [a.password] : [a.aws_secret_access_key])),
  ];
}
