/**
 * A thin OCI distribution client: manifests, indexes, configs and layers of one repository,
 * with mirrors, Basic and Bearer auth, retries, and digest checks on everything it returns.
 */
import type { RegistryCredentials } from '../../domain/schemas/common-schemas.ts';
import { KilnError } from '../../errors/errors.ts';
import { formatImageReference, normalizeRegistry, type ImageReference } from '../image-reference.ts';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci-types.ts';
import { BlobStream, downloadBlobToFile, type BlobDownloadRequest } from './blob-download.ts';
import { parseDigest, sha256Digest, verifyBytes } from './digest.ts';
import { MANIFEST_ACCEPT, parseManifest } from './manifest-parse.ts';
import { isRetryableNetworkError, describeNetworkError } from './network-errors.ts';
import { RegistryAuthenticator, type AuthTarget } from './registry-auth.ts';
import {
  digestMismatch, imageNotFound, registryAuthFailed, registryErrorSummary, registryUnreachable, unsupportedManifest,
} from './registry-errors.ts';
import type { RegistryClientOptions } from './registry-options.ts';
import { discard, readLimited, RegistryTransport, type RegistryResponse, type SendInit } from './registry-transport.ts';

export { registryOptionsFromEnv, type RegistryClientOptions } from './registry-options.ts';

/** A fetched manifest or index: media type, digest, the exact bytes and the parsed document. */
export interface FetchedRegistryManifest {
  mediaType: string;
  digest: string;
  bytes: Buffer;
  manifest: ImageManifest | ImageIndex;
}

/** One place a registry's content is read from: a mirror or the registry itself. */
interface Source {
  /** The host as configured, e.g. `127.0.0.1:5000` or `docker.io`. */
  host: string;
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000`, … */
  origin: string;
  mirror: boolean;
}

const MANIFEST_LIMIT = 4 * 1024 * 1024;
const SMALL_BLOB_LIMIT = 64 * 1024 * 1024;
const ERROR_BODY_LIMIT = 64 * 1024;

/** Pulls manifests and blobs from OCI registries; one instance pools connections and caches tokens. */
export class RegistryClient {
  private readonly transport: RegistryTransport;
  private readonly auth: RegistryAuthenticator;
  private readonly mirrors: Record<string, string[]>;
  private readonly insecure: ReadonlySet<string>;
  private readonly mirrorsOnly: boolean;

  constructor(opts: RegistryClientOptions = {}) {
    this.transport = new RegistryTransport(opts);
    this.auth = new RegistryAuthenticator(this.transport);
    this.mirrors = Object.fromEntries(Object.entries(opts.mirrors ?? {}).map(([k, v]) => [normalizeRegistry(k), v]));
    this.insecure = new Set([...(opts.insecure ?? [])].map((h) => normalizeRegistry(h)));
    this.mirrorsOnly = opts.mirrorsOnly ?? false;
  }

  /** GET /v2/ on a registry (not its mirrors): reachability and auth check. */
  async ping(registry: string, auth?: RegistryCredentials): Promise<void> {
    refuseAws(registry, undefined, auth);
    const host = normalizeRegistry(registry);
    const src: Source = { host, origin: this.origin(host), mirror: false };
    const res = await this.authedSend(src, { origin: src.origin, registry: host }, '/v2/', {}, auth);
    await discard(res);
    if (!res.ok) throw registryUnreachable(host, `GET /v2/ answered HTTP ${res.status}`);
  }

  /** Fetches the manifest or index a reference names (by digest when it has one, else by tag), verified. */
  getManifest(ref: ImageReference, auth?: RegistryCredentials): Promise<FetchedRegistryManifest> {
    return this.fetchManifest(ref, ref.digest ?? ref.tag ?? 'latest', formatImageReference(ref), auth);
  }

  /** Fetches a manifest or index of the reference's repository by digest, verified against that digest. */
  getManifestByDigest(ref: ImageReference, digest: string, auth?: RegistryCredentials): Promise<FetchedRegistryManifest> {
    return this.fetchManifest(ref, digest, `${ref.registry}/${ref.repository}@${digest}`, auth);
  }

  /** Reads a small blob (a config) fully, verifying its size and digest. */
  async getBlobBytes(ref: ImageReference, desc: Descriptor, auth?: RegistryCredentials): Promise<Buffer> {
    const name = `${ref.registry}/${ref.repository}@${desc.digest}`;
    parseDigest(desc.digest, name);
    if (!Number.isSafeInteger(desc.size) || desc.size < 0 || desc.size > SMALL_BLOB_LIMIT) {
      throw unsupportedManifest(formatImageReference(ref), `blob ${desc.digest} has size ${desc.size}, outside 0 to ${SMALL_BLOB_LIMIT} bytes`);
    }
    const what = `Blob ${desc.digest} of ${ref.registry}/${ref.repository}`;
    return this.withSources(ref, auth, async (src, creds) => {
      const { bytes } = await this.readBody(src, ref, `/v2/${ref.repository}/blobs/${desc.digest}`, {}, creds,
        desc.size, () => digestMismatch(what, `the registry sent more than ${desc.size} bytes`), () => imageNotFound(name, 'Blob'));
      verifyBytes(bytes, desc.digest, desc.size, what, name);
      return bytes;
    });
  }

  /** Streams a blob into `dest` (temp file + rename), verifying size and digest; resumes with Range after a dropped connection. */
  async downloadBlob(ref: ImageReference, desc: Descriptor, dest: string, auth?: RegistryCredentials): Promise<void> {
    await this.withSources(ref, auth, (src, creds) => downloadBlobToFile(this.blobRequest(ref, desc, dest, () => ({ src, creds }))));
  }

  /**
   * A blob whose bytes can be read while it downloads into `dest` (see {@link BlobStream}); the
   * first source (mirror or registry) that serves it is used for the whole transfer.
   */
  streamBlob(ref: ImageReference, desc: Descriptor, dest: string, auth?: RegistryCredentials): BlobStream {
    let chosen: { src: Source; creds: RegistryCredentials | undefined } | undefined;
    const name = `${ref.registry}/${ref.repository}@${desc.digest}`;
    return new BlobStream(this.blobRequest(ref, desc, dest, () => chosen, async () => {
      const found = await this.withSources(ref, auth, async (src, creds) => {
        const res = await this.openBlob(src, ref, desc, 0, creds, name);
        return { src, creds, res };
      });
      chosen = { src: found.src, creds: found.creds };
      return found.res;
    }));
  }

  /** The download request of a blob from the source `pick` names; `first` opens it when no source is picked yet. */
  private blobRequest(
    ref: ImageReference, desc: Descriptor, dest: string,
    pick: () => { src: Source; creds: RegistryCredentials | undefined } | undefined,
    first?: () => Promise<RegistryResponse>,
  ): BlobDownloadRequest {
    const name = `${ref.registry}/${ref.repository}@${desc.digest}`;
    const what = `Blob ${desc.digest} of ${ref.registry}/${ref.repository}`;
    return {
      desc, dest, what, registry: pick()?.src.host ?? normalizeRegistry(ref.registry), attempts: this.transport.retries, timeoutMs: this.transport.timeoutMs,
      backoff: (attempt) => this.transport.backoff(attempt),
      openAt: (offset) => {
        const picked = pick();
        if (!picked && first) return first();
        if (!picked) throw new Error('blobRequest: no source');
        return this.openBlob(picked.src, ref, desc, offset, picked.creds, name);
      },
    };
  }

  /** GET of a blob from `offset` (a Range request above 0); resolves only to a 200 or 206 response. */
  private async openBlob(src: Source, ref: ImageReference, desc: Descriptor, offset: number, creds: RegistryCredentials | undefined, name: string): Promise<RegistryResponse> {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const res = await this.authedSend(src, this.target(src, ref), `/v2/${ref.repository}/blobs/${desc.digest}`, { headers }, creds);
    if (res.status === 200 || res.status === 206) return res;
    throw await this.statusError(res, src, ref, creds, () => imageNotFound(name, 'Blob'));
  }

  /** Frees pooled connections. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  private async fetchManifest(ref: ImageReference, reference: string, name: string, auth: RegistryCredentials | undefined): Promise<FetchedRegistryManifest> {
    const byDigest = reference.includes(':');
    if (byDigest) parseDigest(reference, name);
    return this.withSources(ref, auth, async (src, creds) => {
      const { bytes, res } = await this.readBody(src, ref, `/v2/${ref.repository}/manifests/${reference}`,
        { accept: MANIFEST_ACCEPT }, creds, MANIFEST_LIMIT,
        () => unsupportedManifest(name, `the manifest is larger than ${MANIFEST_LIMIT} bytes`), () => imageNotFound(name));
      // Parsed before the digest check: a signed schema 1 manifest's digest covers its payload only,
      // and it is refused as such rather than as a mismatch.
      const parsed = parseManifest(bytes, res.headers.get('content-type'), name);
      const what = `The manifest of ${name}`;
      let digest: string;
      if (byDigest) {
        verifyBytes(bytes, reference, undefined, what, name);
        digest = reference;
      } else {
        const served = res.headers.get('docker-content-digest');
        if (served && /^(sha256|sha512):/.test(served)) {
          verifyBytes(bytes, served, undefined, what, name);
          digest = served;
        } else {
          digest = sha256Digest(bytes);
        }
      }
      return { mediaType: parsed.mediaType, digest, bytes, manifest: parsed.manifest };
    });
  }

  /** Reads a whole response body, retrying the request when the connection drops while reading. */
  private async readBody(
    src: Source, ref: ImageReference, path: string, headers: Record<string, string>, creds: RegistryCredentials | undefined,
    limit: number, tooLarge: () => KilnError, notFound: () => KilnError,
  ): Promise<{ bytes: Buffer; res: RegistryResponse }> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.authedSend(src, this.target(src, ref), path, { headers }, creds);
      if (!res.ok) throw await this.statusError(res, src, ref, creds, notFound);
      try {
        return { bytes: await readLimited(res, limit, tooLarge), res };
      } catch (e) {
        if (e instanceof KilnError) throw e;
        if (!isRetryableNetworkError(e) || attempt >= this.transport.retries) {
          throw registryUnreachable(src.host, `reading ${path} failed after ${attempt} attempts: ${describeNetworkError(e, this.transport.timeoutMs)}`);
        }
        await this.transport.backoff(attempt);
      }
    }
  }

  /** The error for a response that is neither a success nor retried: 404 is `notFound()`, others summarised. */
  private async statusError(res: RegistryResponse, src: Source, ref: ImageReference, creds: RegistryCredentials | undefined, notFound: () => KilnError): Promise<KilnError> {
    if (res.status === 404) {
      await discard(res);
      return notFound();
    }
    const text = await readLimited(res, ERROR_BODY_LIMIT, () => registryUnreachable(src.host, 'error body too large'))
      .then((b) => b.toString('utf8'), () => '');
    const summary = registryErrorSummary(text, creds);
    const detail = `it answered HTTP ${res.status} for ${ref.repository}${summary ? ` (${summary})` : ''}`;
    return registryUnreachable(src.host, detail);
  }

  /** Sends a request with whatever Authorization the registry asks for; 401/403 after authenticating is `registry_auth_failed`. */
  private async authedSend(src: Source, t: AuthTarget, path: string, init: SendInit, creds: RegistryCredentials | undefined): Promise<RegistryResponse> {
    const url = `${src.origin}${path}`;
    const withAuth = (header: string | undefined): SendInit =>
      (header ? { ...init, headers: { ...init.headers, authorization: header } } : init);
    const cached = this.auth.cached(t, creds);
    let res = await this.transport.send(url, withAuth(cached), src.host);
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate');
      await discard(res);
      if (cached) this.auth.forget(t, creds);
      const header = await this.auth.answer(challenge, t, creds);
      res = await this.transport.send(url, withAuth(header), src.host);
      if (res.status === 401 || res.status === 403) {
        await discard(res);
        this.auth.forget(t, creds);
        throw registryAuthFailed(t.registry, t.repository, creds
          ? `the registry refused the credentials given (HTTP ${res.status})`
          : `the registry refused anonymous access (HTTP ${res.status}); pass credentials as base_image_auth (or registry_auth for Dockerfile builds)`);
      }
    } else if (res.status === 403) {
      await discard(res);
      throw registryAuthFailed(t.registry, t.repository, `the registry denied access (HTTP 403)${creds ? ' with the credentials given' : ''}`);
    }
    return res;
  }

  /** Runs `fn` against each mirror of the reference's registry in turn, then the registry itself. */
  private async withSources<T>(ref: ImageReference, auth: RegistryCredentials | undefined, fn: (src: Source, creds: RegistryCredentials | undefined) => Promise<T>): Promise<T> {
    refuseAws(ref.registry, ref.repository, auth);
    const registry = normalizeRegistry(ref.registry);
    const mirrors = (this.mirrors[registry] ?? []).map((host) => ({ host, origin: this.origin(host), mirror: true }));
    const sources: Source[] = this.mirrorsOnly && mirrors.length > 0
      ? mirrors
      : [...mirrors, { host: registry, origin: this.origin(registry), mirror: false }];
    const failures: string[] = [];
    for (const [i, src] of sources.entries()) {
      try {
        // The caller's credentials are for the registry; mirrors are read anonymously.
        return await fn(src, src.mirror ? undefined : auth);
      } catch (e) {
        if (i === sources.length - 1 || !(e instanceof KilnError)) throw withMirrorNote(e, failures);
        failures.push(`${src.host} (${e.code})`);
      }
    }
    throw new Error('withSources: no source to read from');
  }

  private target(src: Source, ref: ImageReference): AuthTarget {
    return { origin: src.origin, registry: src.mirror ? `${src.host} (mirror of ${ref.registry})` : ref.registry, repository: ref.repository, scope: `repository:${ref.repository}:pull` };
  }

  /** The base URL of a registry or mirror host: Docker Hub is served at registry-1.docker.io; insecure hosts use HTTP. */
  private origin(host: string): string {
    const scheme = this.insecure.has(normalizeRegistry(host)) ? 'http' : 'https';
    return `${scheme}://${host === 'docker.io' ? 'registry-1.docker.io' : host}`;
  }
}

/** ECR credentials are refused up front with a clear message. */
function refuseAws(registry: string, repository: string | undefined, auth: RegistryCredentials | undefined): void {
  if (auth && 'aws_access_key_id' in auth) {
    throw registryAuthFailed(registry, repository,
      'AWS (ECR) credentials are not supported yet; give {"username": "AWS", "password": <output of aws ecr get-login-password>} instead');
  }
}

/** Adds the sources that failed first to the last source's error. */
function withMirrorNote(e: unknown, failures: string[]): unknown {
  if (!(e instanceof KilnError) || failures.length === 0) return e;
  return new KilnError(e.code, `${e.message} Tried first: ${failures.join(', ')}.`, { phase: e.phase, problems: e.problems });
}
