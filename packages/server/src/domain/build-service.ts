/** Starting, reading, listing, cancelling and retrying template builds, and streaming their logs. */
import { KilnError } from '../errors/errors.ts';
import type { BuildQueue } from '../queue/build-queue.ts';
import type { BuildBackend, BuildRecord, BuildStatus, LogEntryRecord, Store, TemplateRecord } from '../store/store.ts';
import { buildView, emptyCacheSummary, isTerminal } from './build-view.ts';
import { newId } from './ids.ts';
import { executorFor } from './executor-kind.ts';
import type { CredentialVault } from '../build/build-credentials.ts';
import type { BuildEvents } from '../build/build-events.ts';
import { evaluateRequest, type EvaluateDeps, type PlanOutcome } from './plan/evaluate-request.ts';
import { planResponse, throwProblems } from './plan-service.ts';
import { resolveOwnedTemplateRef, resolveTemplateRef } from './templates/resolve-template-ref.ts';
import { templateForBuild } from './templates/template-names.ts';
import { retryRequest } from './retry-build.ts';
import { readBuildLog, type LogStreamOptions } from './build-log-stream.ts';

/** How a build was started, recorded as `triggered_by` (`retry:<build id>` for a retry of that build). */
export type Trigger = 'api' | 'compat_api' | `retry:${string}`;

/** Options of a build start beyond the request body. */
export interface StartOptions {
  trigger?: Trigger;
  /** When set, the template must (true) or must not (false) exist already. */
  requireExisting?: boolean;
  /** The template the build belongs to (a retry); otherwise it is found or created by name. */
  templateId?: string;
}

/** Filters of a build history page. */
export interface ListOptions {
  status?: BuildStatus;
  backend?: BuildBackend;
  cursor?: string;
  limit?: number;
}

/** The build service: the domain behind `/v1/templates/builds`. */
export class BuildService {
  private readonly store: Store;
  private readonly queue: BuildQueue;
  private readonly deps: EvaluateDeps;
  private readonly vault: CredentialVault | undefined;
  private readonly events: BuildEvents | undefined;

  /** `vault` keeps request-time credentials for the embedded worker; `events` tells it about new and cancelled builds. */
  constructor(store: Store, queue: BuildQueue, deps: EvaluateDeps, opts: { vault?: CredentialVault; events?: BuildEvents } = {}) {
    this.store = store;
    this.queue = queue;
    this.deps = deps;
    this.vault = opts.vault;
    this.events = opts.events;
  }

  /** Validates, plans and queues a build; returns the build object (status `waiting`). */
  async start(tenantId: string, body: unknown, opts: StartOptions = {}): Promise<Record<string, unknown>> {
    const ev = await evaluateRequest(body, tenantId, this.deps, { persistContext: true });
    if (!ev.outcome) throwProblems(ev.problems);
    const o = ev.outcome;
    const now = new Date().toISOString();
    const { build, template } = await this.store.transaction(async (tx) => {
      const template = opts.templateId ? await this.touchedTemplate(tx, tenantId, opts.templateId, now)
        : await this.templateFor(tx, tenantId, o, now, opts.requireExisting);
      const build = newBuildRecord(tenantId, template, o, ev.warnings, now, opts.trigger ?? 'api');
      await tx.insertBuild(build);
      await this.recordTemplateBase(tx, tenantId, build.id, o);
      const executor = executorFor(o.build_backend, o.source_type, Array.isArray(o.fields.req.steps) && o.fields.req.steps.length > 0);
      await this.queue.enqueue(tx, { build_id: build.id, tenant_id: tenantId, now, executor });
      return { build, template };
    });
    const req = o.fields.req;
    this.vault?.put(build.id, { base_image_auth: req.base_image_auth, registry_auth: req.registry_auth, build_secrets: req.build_secrets });
    this.events?.emit('queued');
    return buildView(build, template);
  }

  /**
   * Starts a new build of a build's template from its persisted definition, with the retry body's
   * tags and fresh secrets and credentials (see retry-build.ts); 404 for a foreign or unknown id.
   * The original may still be waiting or building: the retry is simply another build.
   */
  async retry(tenantId: string, buildId: string, body: unknown): Promise<Record<string, unknown>> {
    const { build } = await this.load(tenantId, buildId);
    return this.start(tenantId, retryRequest(build.definition, body), { trigger: `retry:${build.id}`, templateId: build.template_id });
  }

  /** A tenant's build log from `opts.from`, replayed and, when following, live; 404 (before any entry) for a foreign or unknown id. */
  async logStream(tenantId: string, buildId: string, opts: LogStreamOptions): Promise<AsyncGenerator<LogEntryRecord>> {
    await this.load(tenantId, buildId);
    return readBuildLog(this.store, this.events, buildId, opts);
  }

  /** A tenant's build with its log entries from `offset`; 404 for a foreign or unknown id. */
  async get(tenantId: string, buildId: string, offset = 0, limit = 500): Promise<Record<string, unknown>> {
    const { build, template } = await this.load(tenantId, buildId);
    const logs = await this.store.listLogs(buildId, offset, limit);
    const [artifact] = await this.store.getArtifacts(tenantId, build.artifact_id ? [build.artifact_id] : []);
    return {
      ...buildView(build, template, artifact),
      log_entries: logs.map((l) => l.entry),
      next_log_offset: logs.length ? logs[logs.length - 1].offset + 1 : offset,
    };
  }

  /** A page of a template's build history, newest first. */
  async list(tenantId: string, ref: string, opts: ListOptions): Promise<{ builds: Record<string, unknown>[]; next_cursor: string | null }> {
    const template = await this.resolveTemplate(tenantId, ref);
    const page = await this.store.listBuilds({
      tenant_id: tenantId, template_id: template.id, status: opts.status, backend: opts.backend,
      cursor: opts.cursor, limit: opts.limit ?? 20,
    });
    const artifacts = new Map((await this.store.getArtifacts(tenantId, page.builds.flatMap((b) => (b.artifact_id ? [b.artifact_id] : [])))).map((a) => [a.id, a]));
    return { builds: page.builds.map((b) => buildView(b, template, artifacts.get(b.artifact_id ?? ''))), next_cursor: page.next_cursor };
  }

  /** Cancels a waiting or running build, recording a durable `cancelled` entry; 409 when it already ended. */
  async cancel(tenantId: string, buildId: string, reason: string | undefined): Promise<Record<string, unknown>> {
    const why = reason?.trim() || 'cancelled by request';
    const now = new Date().toISOString();
    const result = await this.store.transaction(async (tx) => {
      const current = await tx.getBuild(tenantId, buildId);
      if (!current) return undefined;
      const updated = await tx.updateBuild(tenantId, buildId, {
        status: 'cancelled', cancel_reason: why, finished_at: now, updated_at: now,
        failure_phase: null,
      }, ['waiting', 'building']);
      if (!updated) return { build: current, cancelled: false, logged: false };
      // A waiting build ends here; a running one ends when its worker has stopped it (it writes the entries then).
      if (current.status === 'waiting') {
        await this.queue.remove(tx, buildId);
        const base = { build_id: buildId, template_id: updated.template_id, timestamp: now, attempt: updated.attempt };
        await tx.appendLog(buildId, { ...base, kind: 'cancelled', level: 'warn', message: `Build cancelled: ${why}` });
        await tx.appendLog(buildId, { ...base, kind: 'end', level: 'info', message: 'Build ended: cancelled', result: 'cancelled' });
      }
      return { build: updated, cancelled: true, logged: current.status === 'waiting' };
    });
    if (result?.cancelled) this.events?.emit('cancelled', buildId);
    if (result?.logged) this.events?.emit('logged', buildId);
    if (!result) throw new KilnError('not_found', `Build ${JSON.stringify(buildId)} was not found.`);
    if (!result.cancelled) {
      throw new KilnError('build_not_cancellable', `Build ${buildId} has already ended with status ${result.build.status}; only waiting or building builds can be cancelled.`);
    }
    const template = await this.store.getTemplate(tenantId, result.build.template_id);
    return { build: buildView(result.build, template!) };
  }

  /** The tenant's template named by a ref (`tmpl_…`, `name`, `name:tag`, `namespace/name`); 404 otherwise, also for another tenant's. */
  async resolveTemplate(tenantId: string, ref: string): Promise<TemplateRecord> {
    const t = (await resolveOwnedTemplateRef(this.store, tenantId, ref))?.template;
    if (!t) throw new KilnError('template_not_found', `Template ${JSON.stringify(ref)} was not found.`);
    return t;
  }

  /** Records the template the build starts from, if its base is one, so that template cannot be deleted while the build needs it. */
  private async recordTemplateBase(tx: Store, tenantId: string, buildId: string, o: PlanOutcome): Promise<void> {
    const base = o.plan.base_template;
    const resolved = base ? await resolveTemplateRef(tx, tenantId, base) : undefined;
    if (resolved && !resolved.builtin) await tx.addBuildTemplateBases(buildId, [resolved.template.id]);
  }

  private async load(tenantId: string, buildId: string): Promise<{ build: BuildRecord; template: TemplateRecord }> {
    const build = await this.store.getBuild(tenantId, buildId);
    const template = build && await this.store.getTemplate(tenantId, build.template_id);
    if (!build || !template) throw new KilnError('not_found', `Build ${JSON.stringify(buildId)} was not found.`);
    return { build, template };
  }

  private async touchedTemplate(tx: Store, tenantId: string, templateId: string, now: string): Promise<TemplateRecord> {
    const template = await tx.getTemplate(tenantId, templateId);
    if (!template) throw new KilnError('template_not_found', `Template ${JSON.stringify(templateId)} was not found.`);
    await tx.touchTemplate(tenantId, template.id, now);
    return template;
  }

  private async templateFor(tx: Store, tenantId: string, o: PlanOutcome, now: string, requireExisting?: boolean): Promise<TemplateRecord> {
    const { req, name, name_source } = o.fields;
    return templateForBuild(tx, tenantId, { name, alias: name_source === 'name' ? req.alias : undefined, claim_token: req.claim_token }, now, requireExisting);
  }
}

function newBuildRecord(tenantId: string, template: TemplateRecord, o: PlanOutcome, warnings: string[], now: string, trigger: Trigger): BuildRecord {
  const plan = o.plan;
  return {
    id: newId('tb'),
    tenant_id: tenantId,
    template_id: template.id,
    name: template.name,
    status: 'waiting',
    build_backend: o.build_backend,
    source_type: o.source_type,
    tags: o.fields.tags,
    definition: o.definition,
    plan: planResponse(o, warnings) as unknown as Record<string, unknown>,
    source_digest: o.source_digest,
    context_digest: o.context?.digest ?? null,
    dockerfile_digest: o.dockerfile_digest,
    build_config: { ...o.fields.build_config },
    runtime_defaults: {
      default_env_keys: [...new Set(plan.env_assignments.map(([k]) => k))],
      start_cmd: plan.start_cmd,
      default_user: plan.default_user,
      default_workdir: plan.default_workdir,
      readiness: plan.readiness,
    },
    oci_metadata: { ...o.oci_metadata },
    requires_base_image_auth: o.requires_base_image_auth,
    triggered_by: trigger,
    attempt: 1,
    created_at: now,
    updated_at: now,
    queued_at: now,
    started_at: null,
    finished_at: null,
    failure_phase: null,
    error_detail: null,
    cancel_reason: null,
    cache_summary: emptyCacheSummary(),
    artifact_id: null,
  };
}
