/**
 * The native backend: a base image (unpacked once, shared) with the plan's steps stacked on it
 * as overlayfs layers. RUN steps run in runc containers on the build's network; COPY and ADD
 * write from the stored build context; ENV, ARG, USER, WORKDIR and LABEL shape what later steps
 * see. Each step that touches the filesystem becomes a cached layer keyed by the step chain.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import type { BuildStep } from '../../domain/plan-types.ts';
import type { Store } from '../../store/store.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import type { RegistryClient } from '../../oci/registry/registry-client.ts';
import type { BlobStore } from '../../context/blob-store.ts';
import { BUILTIN_PREFIX } from '../../domain/builtin-tenant.ts';
import type { ImageConfig } from '../../oci/oci-types.ts';
import { defaultsFromImageConfig, type ImageConfigDefaults } from '../../oci/image-config/config-defaults.ts';
import { LayoutSource } from '../../oci/import/layout-source.ts';
import { resolveManifest } from '../../oci/import/import-image.ts';
import { buildImageRef } from '../artifacts/artifact-paths.ts';
import { resolveTemplateBase } from '../template-base.ts';
import { baseImageSource } from '../base-image-source.ts';
import type { BuildExecutor, ExecutionContext, ExecutionResult } from '../build-executor.ts';
import { mergeDefaults } from '../merge-defaults.ts';
import { openBuildNetwork, type BuildNetwork } from '../runc/build-network.ts';
import { removeContainersWithPrefix } from '../runc/runc-container.ts';
import type { BaseRootfsCache } from '../native/base-rootfs-cache.ts';
import { ContextIndex } from '../native/context-sources.ts';
import { copyDigestInput, planCopy, runCopy, type CopyPlan } from '../native/copy-step.ts';
import { isEmptyLayer, stepKey, type LayerCache } from '../native/layer-cache.ts';
import { mountOverlay, unmount, unmountUnder } from '../native/overlay-mount.ts';
import { ensureDir } from '../native/rootfs-writer.ts';
import { runStep } from '../native/run-step.ts';
import { StepState } from '../native/step-state.ts';
import { startAndCheck } from '../native/start-check.ts';

/** What the native executor uses. */
export interface NativeExecutorDeps {
  store: Store;
  images: OciLayoutStore;
  client: RegistryClient;
  blobs: BlobStore;
  bases: BaseRootfsCache;
  layers: LayerCache;
}

/** A base ready for steps: its layers bottom-up, the image defaults steps start from, and its identity. */
interface PreparedBase {
  layers: string[];
  defaults: ImageConfigDefaults;
  manifestDigest: string;
}

/** Instructions that change the filesystem and so become layers. */
const FILESYSTEM_STEPS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

/** Runs declarative and image builds on runc and overlayfs. */
export class NativeExecutor implements BuildExecutor {
  readonly kind = 'native' as const;
  private readonly deps: NativeExecutorDeps;

  constructor(deps: NativeExecutorDeps) {
    this.deps = deps;
  }

  /** Prepares the base, runs every step, starts the template once, and hands over the layers. */
  async run(ctx: ExecutionContext): Promise<ExecutionResult> {
    const { build, log, cache } = ctx;
    const planResponse = build.plan as { build_plan?: { build_steps?: BuildStep[]; build_envs?: Record<string, string>; env_assignments?: [string, string][] } };
    const steps = (planResponse.build_plan?.build_steps ?? []).filter((s) => s.instruction !== 'FROM');
    const buildEnvs = planResponse.build_plan?.build_envs ?? {};
    const skipCache = build.definition.skip_cache === true;
    const base = String(build.definition.base_image ?? '');
    const config = build.build_config as { vcpus?: number; memory_mib?: number; internet_access?: boolean };

    // What an earlier attempt of this build left behind when its worker died: containers, then mounts.
    await removeContainersWithPrefix(`kiln-${build.id}-`);
    await unmountUnder(ctx.buildDir);
    await rm(path.join(ctx.buildDir, 'work'), { recursive: true, force: true });
    const work = path.join(ctx.buildDir, 'work');
    await mkdir(work, { recursive: true, mode: 0o700 });

    await log.enter('preparing', `Preparing the base image ${base}.`);
    const baseFs = build.source_type === 'template_base' && !base.startsWith(BUILTIN_PREFIX)
      ? await this.templateBase(ctx, base)
      : await this.imageBase(ctx, base);
    const context = await this.context(build.tenant_id, build.context_digest);
    const state = new StepState(baseFs.defaults);
    const layers: string[] = [...baseFs.layers];
    const mnt = path.join(work, 'rootfs');
    let key = stepKey(`${build.tenant_id}\0${baseFs.manifestDigest}`, 'base');
    let network: BuildNetwork | undefined;

    try {
      for (const [i, step] of steps.entries()) {
        const index = i + 1;
        const where = { phase: 'step' as const, step_index: index, total_steps: steps.length };
        ctx.signal.throwIfAborted();
        log.phase = 'step';
        const copy = step.instruction === 'COPY' || step.instruction === 'ADD' ? planCopy(step, state.workdir, context) : undefined;
        key = stepKey(key, stepDefinition(step, state, buildEnvs, config.internet_access !== false), copy ? copyDigestInput(copy) : []);
        await log.info(`Step ${index}/${steps.length}: ${step.instruction} ${step.args.join(' ')}`.slice(0, 2000), where);
        if (!FILESYSTEM_STEPS.has(step.instruction)) {
          applyMetadataStep(step, state);
          continue;
        }
        if (step.instruction === 'WORKDIR') state.workdir = path.posix.resolve(state.workdir, step.args[0] ?? '/');
        const subject = `step ${index}: ${step.instruction} ${step.args.join(' ')}`.slice(0, 300);
        const cached = skipCache ? undefined : await this.deps.layers.get(key);
        if (cached) {
          await cache.record('layer', 'hit', subject, { phase: 'step' });
          if (!(await isEmptyLayer(cached))) layers.push(cached);
          continue;
        }
        await cache.record('layer', skipCache ? 'bypass' : 'miss', subject, { phase: 'step', reason: skipCache ? 'whole_build_skip_cache' : 'missing_or_incompatible' });
        if (step.instruction === 'RUN' && !network) {
          log.phase = 'vm_create';
          await log.info(`Creating the build sandbox (network: ${config.internet_access === false ? 'none' : 'outbound through slirp4netns, host loopback unreachable'}).`);
          network = await openBuildNetwork(config.internet_access !== false, work);
          log.phase = 'step';
        }
        const upper = await this.changeFilesystem(ctx, step, { mnt, layers, stepDir: path.join(work, `step-${index}`), state, buildEnvs, network, copy, context, config, where });
        const stored = await this.deps.layers.put(key, upper);
        await rm(path.dirname(upper), { recursive: true, force: true });
        await cache.record('layer', 'stored', subject, { phase: 'step' });
        if (!(await isEmptyLayer(stored))) layers.push(stored);
      }

      const result = mergeDefaults(build, baseFs.defaults);
      // The template is started only for a start command the request (or its Dockerfile) set, not for the image's CMD.
      const startCmd = build.runtime_defaults.start_cmd as string | null | undefined;
      if (startCmd) {
        network ??= await openBuildNetwork(config.internet_access !== false, work);
        await startAndCheck(ctx, {
          layers, mnt, work, startCmd, readiness: result.runtime_defaults.readiness as never, state, network, config,
          env: Object.fromEntries(planResponse.build_plan?.env_assignments ?? []),
        });
      }
      await log.enter('finalize', `The root filesystem has ${layers.length} layer${layers.length === 1 ? '' : 's'}.`);
      return { ...result, rootfs: { layers, baseManifestDigest: baseFs.manifestDigest } };
    } finally {
      await unmountUnder(work);
      await network?.close();
    }
  }

  /** Runs one RUN, COPY/ADD or WORKDIR on a fresh upper layer over `layers`; returns that upper directory. */
  private async changeFilesystem(ctx: ExecutionContext, step: BuildStep, o: {
    mnt: string; layers: string[]; stepDir: string; state: StepState; buildEnvs: Record<string, string>; network: BuildNetwork | undefined;
    copy: CopyPlan | undefined; context: ContextIndex | undefined; config: { vcpus?: number; memory_mib?: number }; where: { phase: 'step'; step_index: number; total_steps: number };
  }): Promise<string> {
    const upper = path.join(o.stepDir, 'upper');
    await mountOverlay(o.mnt, o.layers, { upper, work: path.join(o.stepDir, 'work') });
    try {
      if (step.instruction === 'RUN') {
        await this.runInContainer(ctx, step, { ...o, network: o.network!, index: o.where.step_index, total: o.where.total_steps });
      } else if (o.copy) {
        if (o.context) await ctx.cache.record('file_blob', 'hit', `${step.instruction} ${step.args.slice(0, -1).join(' ')}`, { phase: 'step', message: `${copyDigestInput(o.copy).length} context files for step ${o.where.step_index} are in the blob store.` });
        const n = await runCopy(o.mnt, o.copy, step.flags, (sha) => this.deps.blobs.path(sha));
        await ctx.log.info(`Copied ${n} entries to ${o.copy.dest}.`, o.where);
      } else {
        await ensureDir(o.mnt, o.state.workdir, { uid: 0, gid: 0 });
      }
    } finally {
      await unmount(o.mnt);
    }
    return upper;
  }

  /** A registry image or builtin base, unpacked once and shared. */
  private async imageBase(ctx: ExecutionContext, base: string): Promise<PreparedBase> {
    const { build, log, cache } = ctx;
    const source = baseImageSource(base, build.requires_base_image_auth, ctx.credentials, this.deps);
    let progress = Promise.resolve();
    const unpacked = await this.deps.bases.get(source, {
      signal: ctx.signal,
      onEvent: (e) => {
        if (e.kind === 'layer_downloaded') progress = progress.then(() => log.info(`Downloaded layer ${e.digest} in ${e.ms} ms.`).then(() => {})).catch(() => {});
      },
    }).finally(() => progress);
    const digest = unpacked.image.manifest_digest;
    await cache.record('layer', unpacked.cached ? 'hit' : 'stored', `base image ${base} (${digest})`, unpacked.cached ? {} : { message: `Unpacked ${base} (${digest}): ${unpacked.image.layers.length} layers.` });
    return { layers: [unpacked.dir], defaults: unpacked.image.defaults, manifestDigest: digest };
  }

  /** One of the tenant's templates: its artifact's layers are stacked as they are, nothing is imported. */
  private async templateBase(ctx: ExecutionContext, base: string): Promise<PreparedBase> {
    const { build, cache } = ctx;
    const { build: parent, artifact } = await resolveTemplateBase(this.deps.store, build.tenant_id, base);
    for (const dir of artifact.layers) {
      if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
        throw new KilnError('base_image_not_found', `The base ${base}: a layer of build ${parent.id} is no longer on this server; rebuild the template.`, { phase: 'preparing' });
      }
    }
    const source = new LayoutSource(this.deps.images, buildImageRef(parent.id));
    const { manifest } = await resolveManifest(source);
    const config = JSON.parse((await source.blobBytes(manifest.config)).toString('utf8')) as ImageConfig;
    await cache.record('layer', 'hit', `template ${base} (build ${parent.id}, ${artifact.layers.length} layers)`);
    return { layers: artifact.layers, defaults: defaultsFromImageConfig(config), manifestDigest: artifact.oci_manifest_digest };
  }

  private async runInContainer(ctx: ExecutionContext, step: BuildStep, o: { mnt: string; state: StepState; buildEnvs: Record<string, string>; network: BuildNetwork; index: number; total: number; config: { vcpus?: number; memory_mib?: number }; where: Record<string, unknown> & { phase: 'step' } }): Promise<void> {
    // Output lines are logged in order; the step's outcome is logged after all of them.
    let lines = Promise.resolve();
    try {
      await runStep(step, {
        rootfs: o.mnt, containerId: `kiln-${ctx.build.id}-${o.index}-${randomBytes(3).toString('hex')}`, bundleDir: path.join(ctx.buildDir, 'work', `bundle-${o.index}`),
        state: o.state, buildEnvs: o.buildEnvs, network: o.network, limits: { vcpus: o.config.vcpus, memoryMib: o.config.memory_mib },
        signal: ctx.signal, position: { index: o.index, total: o.total },
        onLine: (line) => { lines = lines.then(() => ctx.log.info(line, o.where).then(() => {})).catch(() => {}); },
      });
    } finally {
      await lines;
    }
  }

  private async context(tenantId: string, digest: string | null): Promise<ContextIndex | undefined> {
    if (!digest) return undefined;
    const manifest = await this.deps.store.findContextManifestByDigest(tenantId, digest);
    if (!manifest) throw new KilnError('context_source_missing', `The build context ${digest} is no longer stored; upload it again and retry the build.`, { phase: 'preparing' });
    return new ContextIndex(manifest.files);
  }
}

/** What a step's layer depends on besides its parent: the step itself and what it runs with. */
function stepDefinition(step: BuildStep, state: StepState, buildEnvs: Record<string, string>, online: boolean): Record<string, unknown> {
  const run = step.instruction === 'RUN';
  return {
    instruction: step.instruction, args: step.args, exec_form: step.exec_form ?? false, flags: step.flags ?? {},
    user: state.user, workdir: state.workdir, ...(run ? { env: state.runEnv(buildEnvs, { uid: 0 }), network: online } : {}),
  };
}

/** ENV, ARG and USER change only what later steps see (LABEL is in the plan's metadata already). */
function applyMetadataStep(step: BuildStep, state: StepState): void {
  switch (step.instruction) {
    case 'ENV': for (const [k, v] of StepState.pairs(step.args)) state.env.set(k, v); break;
    case 'ARG': for (const [k, v] of StepState.pairs(step.args)) state.args.set(k, v); break;
    case 'USER': state.user = step.args[0] ?? ''; break;
    default: break;
  }
}
