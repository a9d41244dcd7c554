import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { byteStream } from './layer.js';
import type { Dispatcher } from 'undici';
import { createAgent, httpRequest } from './http.js';
import type { Credential } from './docker-credentials.js';
import { isIndex, manifestAccept } from './media-types.js';
import { isLoopbackHost } from './reference.js';
import { RegistryAuth } from './registry-auth.js';
import { kindForStatus, RegistryError, registryErrorDetail } from './registry-error.js';
import { isResetError, isRetryableStatus, parseRetryAfter, RetryableStatus, withRetries, type RetryOptions } from './retry.js';
import { bigBlobBytes, releasingAtEnd, UploadSlots } from './upload-slots.js';

export interface RegistryClientOptions {
  /** `host[:port]`. */
  host: string;
  /** Credentials for this host, asked for once when the registry wants them. */
  credential?: () => Promise<Credential | undefined>;
  /** http or https. @default http for loopback hosts, else https */
  scheme?: 'http' | 'https';
  retry?: Omit<RetryOptions, 'signal' | 'onRetry'>;
  /** A line per retry, for progress. */
  log?: (line: string) => void;
  dispatcher?: Dispatcher;
  /** Big blob bodies sent at once, over every repository of this host (see `UploadSlots`). @default 4 */
  uploads?: number;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type BodyFactory = () => Buffer | Readable | AsyncIterable<Buffer>;

interface SendOptions {
  method: Method;
  /** `/v2/...` or an absolute URL (an upload Location). */
  url: string;
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: BodyFactory;
  expect: readonly number[];
  what: string;
  signal?: AbortSignal;
  /** Retry this request on its own. Uploads retry as a whole instead. @default true */
  retry?: boolean;
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export interface BlobSource {
  /** Known digest, or undefined to hash while uploading. */
  digest?: string;
  size: number;
  /** Opens the bytes again for each attempt. */
  open: () => AsyncIterable<Buffer>;
}

export interface ManifestResponse {
  mediaType: string;
  digest: string;
  bytes: Buffer;
  json: Record<string, unknown>;
}

function header(headers: Response['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether pushing `blob` starts with a cross-repository mount (its digest known, another repository named). */
function isMount(repository: string, blob: BlobSource, options: { mountFrom?: string }): boolean {
  return Boolean(blob.digest && options.mountFrom && options.mountFrom !== repository);
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Splits a byte stream into consecutive pieces of given lengths. */
class ByteReader {
  private leftover: Buffer | undefined;
  constructor(private readonly iterator: AsyncIterator<Buffer>) {}
  async *take(length: number, onChunk: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
    let remaining = length;
    while (remaining > 0) {
      let chunk = this.leftover;
      this.leftover = undefined;
      if (!chunk) {
        const next = await this.iterator.next();
        if (next.done) return;
        chunk = next.value;
      }
      if (chunk.length > remaining) {
        this.leftover = chunk.subarray(remaining);
        chunk = chunk.subarray(0, remaining);
      }
      remaining -= chunk.length;
      onChunk(chunk);
      yield chunk;
    }
  }
}

/**
 * A client for one registry over the OCI distribution API: auth (none, Basic, Bearer), retries with
 * backoff on 5xx/429/connection resets, digests checked against what the registry says it stored.
 */
export class RegistryClient {
  readonly host: string;
  private readonly base: string;
  private readonly auth: RegistryAuth;
  private dispatcher: Promise<Dispatcher> | undefined;
  private readonly ownDispatcher: boolean;
  private pinged: Promise<void> | undefined;
  private readonly uploadSlots: UploadSlots;

  constructor(private readonly options: RegistryClientOptions) {
    this.host = options.host;
    this.uploadSlots = new UploadSlots(options.uploads ?? 4);
    const scheme = options.scheme ?? (isLoopbackHost(options.host) ? 'http' : 'https');
    this.base = `${scheme}://${options.host}`;
    this.ownDispatcher = !options.dispatcher;
    if (options.dispatcher) this.dispatcher = Promise.resolve(options.dispatcher);
    this.auth = new RegistryAuth(options.host, options.credential ?? (async () => undefined), () => this.agent());
  }

  private agent(): Promise<Dispatcher> {
    this.dispatcher ??= createAgent();
    return this.dispatcher;
  }

  async close(): Promise<void> {
    if (this.ownDispatcher && this.dispatcher) await (await this.dispatcher).close();
  }

  private retryOptions(signal: AbortSignal | undefined, what: string): RetryOptions {
    return {
      ...this.options.retry,
      signal,
      onRetry: (attempt, error, delay) => this.options.log?.(`${what}: ${(error as Error).message}; retry ${attempt} in ${delay} ms`),
    };
  }

  /**
   * `withRetries`, with what is left after the last try (a 5xx/429, a reset connection) turned into a
   * RegistryError of kind `unavailable` that says what we were doing, where, and how often we tried.
   */
  private async retrying<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
    let tries = 0;
    try {
      return await withRetries(() => {
        tries++;
        return fn();
      }, this.retryOptions(signal, what));
    } catch (error) {
      if (signal?.aborted || !(error instanceof RetryableStatus || isResetError(error))) throw error;
      const why = error instanceof RetryableStatus ? `HTTP ${error.status}${error.detail ? ` (${error.detail})` : ''}` : `the connection was reset (${(error as Error).message})`;
      throw new RegistryError(
        'unavailable',
        `${what} on ${this.host}: ${why} after ${tries} ${tries === 1 ? 'try' : 'tries'}; the registry is having trouble, try again later.`,
        { status: error instanceof RetryableStatus ? error.status : undefined, cause: error },
      );
    }
  }

  /** `GET /v2/`: learns how the registry wants to be authenticated. */
  ping(signal?: AbortSignal): Promise<void> {
    this.pinged ??= this.retrying(async () => {
      const response = await this.raw('GET', `${this.base}/v2/`, {}, undefined, signal, `connecting to ${this.host}`);
      await response.body.dump();
      if (response.status === 401) this.auth.setChallenge(response.headers['www-authenticate']);
      else if (isRetryableStatus(response.status)) throw new RetryableStatus(response.status, parseRetryAfter(response.headers['retry-after']));
      else if (response.status !== 200) throw new RegistryError(kindForStatus(response.status), `${this.host}/v2/ answered HTTP ${response.status}; is it a registry?`, { status: response.status });
    }, signal, 'connecting').catch((error) => {
      this.pinged = undefined;
      throw error;
    });
    return this.pinged;
  }

  /** Checks the credentials now (`GET /v2/` authenticated), so a wrong password fails before any build. */
  async login(signal?: AbortSignal): Promise<void> {
    const response = await this.send({ method: 'GET', url: '/v2/', scopes: [], expect: [200], what: 'logging in', signal });
    await response.body.dump();
  }

  private async raw(method: Method, url: string, headers: Record<string, string>, body: ReturnType<BodyFactory> | undefined, signal: AbortSignal | undefined, what: string): Promise<Response> {
    try {
      const response = await httpRequest(url, {
        method,
        headers: { 'user-agent': 'uai', ...headers },
        body: body as never,
        dispatcher: await this.agent(),
        signal,
      });
      return { status: response.statusCode, headers: response.headers as Response['headers'], body: response.body };
    } catch (cause) {
      if (signal?.aborted) throw cause;
      if (isResetError(cause)) throw cause;
      throw new RegistryError('unreachable', `Cannot reach ${this.host} (${what}): ${(cause as Error).message}${(cause as { code?: string }).code ? ` [${(cause as { code?: string }).code}]` : ''}`, { cause });
    }
  }

  /** One authenticated request, with a second try after a 401 asking for more scope. */
  private async once(options: SendOptions): Promise<Response> {
    await this.ping(options.signal);
    const url = options.url.startsWith('/') ? `${this.base}${options.url}` : options.url;
    // Our credentials go only to the origin we were configured with: same scheme, host and port. A
    // Location downgrading https to http on the same host is refused, not followed without them.
    const target = new URL(url);
    const origin = new URL(this.base).origin;
    if (target.origin !== origin) {
      if (target.host === new URL(this.base).host) {
        throw new RegistryError('insecure', `${options.what}: ${this.host} sent us to ${target.protocol}//${target.host} instead of ${origin}; refusing to send credentials there.`);
      }
      throw new RegistryError('other', `${options.what}: the registry sent us to another host (${target.host}).`);
    }
    let scopes = options.scopes;
    for (let tryAuth = 0; ; tryAuth++) {
      const authorization = await this.auth.header(scopes, target, options.signal);
      const headers = { ...options.headers, ...(authorization ? { authorization } : {}) };
      const response = await this.raw(options.method, url, headers, options.body?.(), options.signal, options.what);
      if (response.status === 401 && tryAuth === 0 && this.auth.scheme === 'bearer') {
        await response.body.dump();
        this.auth.invalidate(scopes);
        scopes = this.auth.scopesFrom(response.headers['www-authenticate'], scopes);
        continue;
      }
      if (options.expect.includes(response.status)) return response;
      const text = options.method === 'HEAD' ? '' : await response.body.text().catch(() => '');
      if (options.method === 'HEAD') await response.body.dump().catch(() => {});
      if (isRetryableStatus(response.status)) throw new RetryableStatus(response.status, parseRetryAfter(response.headers['retry-after']), registryErrorDetail(text));
      const detail = registryErrorDetail(text);
      const advice =
        response.status === 401
          ? ' Check UHUB_USERNAME/UHUB_PASSWORD or your docker login.'
          : response.status === 403
            ? ' Check that this account may push to this repository.'
            : '';
      throw new RegistryError(kindForStatus(response.status), `${options.what} on ${this.host}: HTTP ${response.status}${detail ? ` (${detail})` : ''}.${advice}`, {
        status: response.status,
      });
    }
  }

  private send(options: SendOptions): Promise<Response> {
    if (options.retry === false) return this.once(options);
    return this.retrying(() => this.once(options), options.signal, options.what);
  }

  private static scopes(repository: string, push: boolean, from?: string): string[] {
    const own = `repository:${repository}:${push ? 'pull,push' : 'pull'}`;
    return from && from !== repository ? [own, `repository:${from}:pull`] : [own];
  }

  /** The blob's size when the registry has it. `retry: false` inside an upload attempt, which is retried as a whole. */
  async blobSize(repository: string, digest: string, signal?: AbortSignal, { retry = true }: { retry?: boolean } = {}): Promise<number | undefined> {
    const response = await this.send({
      method: 'HEAD',
      url: `/v2/${repository}/blobs/${digest}`,
      scopes: RegistryClient.scopes(repository, false),
      expect: [200, 404],
      what: `checking blob ${digest.slice(0, 19)}`,
      signal,
      retry,
    });
    await response.body.dump();
    return response.status === 200 ? Number(header(response.headers, 'content-length') ?? 0) : undefined;
  }

  /** A manifest by tag or digest; an index is returned as is (see `resolveImage`). */
  async getManifest(repository: string, reference: string, signal?: AbortSignal): Promise<ManifestResponse> {
    const response = await this.send({
      method: 'GET',
      url: `/v2/${repository}/manifests/${reference}`,
      scopes: RegistryClient.scopes(repository, false),
      headers: { accept: manifestAccept },
      expect: [200],
      what: `reading manifest ${repository}:${reference}`,
      signal,
    });
    const bytes = Buffer.from(await response.body.arrayBuffer());
    const digest = sha256(bytes);
    const claimed = header(response.headers, 'docker-content-digest');
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError('digest', `${this.host} sent a manifest for ${repository}@${reference} whose digest is ${digest}.`);
    }
    if (claimed && claimed !== digest) throw new RegistryError('digest', `${this.host} says manifest ${repository}:${reference} is ${claimed}, its bytes hash to ${digest}.`);
    const json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const mediaType = (json.mediaType as string | undefined) ?? header(response.headers, 'content-type') ?? '';
    return { mediaType, digest, bytes, json };
  }

  /** The digest a tag points to now, or undefined when there is no such tag (the registry answers 404). */
  async manifestDigest(repository: string, reference: string, signal?: AbortSignal): Promise<string | undefined> {
    const response = await this.send({
      method: 'HEAD',
      url: `/v2/${repository}/manifests/${reference}`,
      scopes: RegistryClient.scopes(repository, false),
      headers: { accept: manifestAccept },
      expect: [200, 404],
      what: `checking manifest ${repository}:${reference}`,
      signal,
    });
    await response.body.dump();
    if (response.status === 404) return undefined;
    // A registry that leaves the header out: the digest of the manifest's own bytes.
    return header(response.headers, 'docker-content-digest') ?? (await this.getManifest(repository, reference, signal)).digest;
  }

  /** A blob's bytes as a stream; follows a redirect to storage without our credentials. */
  async getBlob(repository: string, digest: string, signal?: AbortSignal): Promise<Readable> {
    const response = await this.send({
      method: 'GET',
      url: `/v2/${repository}/blobs/${digest}`,
      scopes: RegistryClient.scopes(repository, false),
      expect: [200, 301, 302, 303, 307, 308],
      what: `reading blob ${digest.slice(0, 19)}`,
      signal,
    });
    if (response.status === 200) return response.body;
    let location = header(response.headers, 'location');
    await response.body.dump();
    for (let hops = 0; location && hops < 5; hops++) {
      const url = new URL(location, `${this.base}/`);
      // No Authorization header here: storage URLs carry their own signature, and another host gets nothing of ours.
      const next = await this.retrying(async () => {
        const r = await this.raw('GET', url.toString(), {}, undefined, signal, `reading blob ${digest.slice(0, 19)}`);
        if (isRetryableStatus(r.status)) {
          await r.body.dump();
          throw new RetryableStatus(r.status);
        }
        return r;
      }, signal, `reading blob ${digest.slice(0, 19)} from ${url.host}`);
      if (next.status === 200) return next.body;
      location = [301, 302, 303, 307, 308].includes(next.status) ? header(next.headers, 'location') : undefined;
      const text = await next.body.text().catch(() => '');
      if (!location) throw new RegistryError(kindForStatus(next.status), `reading blob ${digest} from ${url.host}: HTTP ${next.status} ${text.slice(0, 200)}`);
    }
    throw new RegistryError('other', `reading blob ${digest}: too many redirects`);
  }

  /** A small blob (an image config), read whole and checked against its digest. */
  async getBlobBytes(repository: string, digest: string, signal?: AbortSignal): Promise<Buffer> {
    const stream = await this.getBlob(repository, digest, signal);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    if (sha256(bytes) !== digest) throw new RegistryError('digest', `${this.host} sent blob ${digest} with other contents (${sha256(bytes)}).`);
    return bytes;
  }

  private uploadUrl(location: string | undefined, what: string): URL {
    if (!location) throw new RegistryError('other', `${what}: the registry sent no upload Location.`);
    return new URL(location, `${this.base}/`);
  }

  /**
   * Uploads a blob unless the registry has it. With `mountFrom`, asks the registry to link it from
   * another repository first (no bytes sent), falling back to an upload. A known digest goes up in one
   * PUT; an unknown one (or `chunkSize`) in PATCHes, hashed on the way. Returns the digest and whether
   * bytes were sent. `skipExisting` (the default) asks with a HEAD whether the repository has the blob
   * before sending bytes: before the upload, or, for a mount, only once the registry has refused it.
   */
  async pushBlob(
    repository: string,
    blob: BlobSource,
    options: { mountFrom?: string; chunkSize?: number; skipExisting?: boolean; signal?: AbortSignal } = {},
  ): Promise<{ digest: string; uploaded: boolean; mounted: boolean }> {
    const { signal } = options;
    // A mount answers in one request both "you have it" and "now you have it": no HEAD before it.
    if (blob.digest && !isMount(repository, blob, options) && options.skipExisting !== false && (await this.blobSize(repository, blob.digest, signal)) !== undefined) {
      return { digest: blob.digest, uploaded: false, mounted: false };
    }
    const what = `uploading blob ${blob.digest?.slice(0, 19) ?? `of ${blob.size} bytes`} to ${repository}`;
    return this.retrying(async () => {
      let release = () => {};
      try {
        return await this.uploadOnce(repository, blob, options, what, (slot) => (release = slot));
      } finally {
        release();
      }
    }, signal, what);
  }

  /** One attempt of `pushBlob` past the HEAD: a mount, or an upload session holding a slot while its body goes. */
  private async uploadOnce(
    repository: string,
    blob: BlobSource,
    options: { mountFrom?: string; chunkSize?: number; skipExisting?: boolean; signal?: AbortSignal },
    what: string,
    holding: (release: () => void) => void,
  ): Promise<{ digest: string; uploaded: boolean; mounted: boolean }> {
    const { signal } = options;
    const scopes = RegistryClient.scopes(repository, true, options.mountFrom);
    const mount = isMount(repository, blob, options);
    // A slot before the session opens (a queued upload holds no session a registry might expire); a
    // mount takes one only if the registry answers with an upload instead.
    const big = blob.size > bigBlobBytes;
    let release: (() => void) | undefined;
    if (big && !mount) holding((release = await this.uploadSlots.acquire(signal)));
    const query = mount ? `?mount=${encodeURIComponent(blob.digest!)}&from=${encodeURIComponent(options.mountFrom!)}` : '';
    const started = await this.send({ method: 'POST', url: `/v2/${repository}/blobs/uploads/${query}`, scopes, headers: { 'content-length': '0' }, expect: [201, 202], what, signal, retry: false });
    await started.body.dump();
    if (started.status === 201) {
      this.checkDigest(started, blob.digest!, what);
      return { digest: blob.digest!, uploaded: false, mounted: true };
    }
    let location = this.uploadUrl(header(started.headers, 'location'), what);
    try {
      // A registry that ignores mounts opened an upload instead: before copying a base layer that may be
      // GBs, ask whether the repository has it, and close the session if it does.
      if (mount && options.skipExisting !== false && (await this.blobSize(repository, blob.digest!, signal, { retry: false })) !== undefined) {
        await this.cancelUpload(location, scopes, what, signal);
        return { digest: blob.digest!, uploaded: false, mounted: false };
      }
      if (big && !release) holding((release = await this.uploadSlots.acquire(signal)));
      const open = release ? () => releasingAtEnd(blob.open(), blob.size, release!) : blob.open;
      let digest = blob.digest;
      const chunked = !digest || (options.chunkSize !== undefined && blob.size > options.chunkSize);
      if (!chunked) {
        location.searchParams.set('digest', digest!);
        const done = await this.send({
          method: 'PUT',
          url: location.toString(),
          scopes,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
          body: () => byteStream(open()),
          expect: [201],
          what,
          signal,
          retry: false,
        });
        await done.body.dump();
        this.checkDigest(done, digest!, what);
        return { digest: digest!, uploaded: true, mounted: false };
      }
      const hash = createHash('sha256');
      const reader = new ByteReader(open()[Symbol.asyncIterator]());
      const chunkSize = options.chunkSize ?? Number.MAX_SAFE_INTEGER;
      for (let offset = 0; offset < blob.size; ) {
        const length = Math.min(chunkSize, blob.size - offset);
        const part = await this.send({
          method: 'PATCH',
          url: location.toString(),
          scopes,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(length), 'content-range': `${offset}-${offset + length - 1}` },
          body: () => byteStream(reader.take(length, (chunk) => hash.update(chunk))),
          expect: [202],
          what,
          signal,
          retry: false,
        });
        await part.body.dump();
        location = this.uploadUrl(header(part.headers, 'location'), what);
        offset += length;
      }
      const computed = `sha256:${hash.digest('hex')}`;
      if (digest && computed !== digest) throw new RegistryError('digest', `${what}: the bytes hash to ${computed}, not ${digest}; a file changed while it was uploaded.`);
      digest = computed;
      location.searchParams.set('digest', digest);
      const done = await this.send({ method: 'PUT', url: location.toString(), scopes, headers: { 'content-length': '0' }, expect: [201], what, signal, retry: false });
      await done.body.dump();
      this.checkDigest(done, digest, what);
      return { digest, uploaded: true, mounted: false };
    } catch (error) {
      // A failed attempt closes its session (the retry opens its own); a stopped run just stops.
      if (!signal?.aborted) await this.cancelUpload(location, scopes, what);
      throw error;
    }
  }

  /** Closes an upload session we will not use; the registry would expire it anyway, so failures pass. */
  private async cancelUpload(location: URL, scopes: string[], what: string, signal?: AbortSignal): Promise<void> {
    try {
      const response = await this.send({ method: 'DELETE', url: location.toString(), scopes, expect: [204, 404], what, signal, retry: false });
      await response.body.dump();
    } catch (error) {
      if (signal?.aborted) throw error;
    }
  }

  private checkDigest(response: Response, expected: string, what: string): void {
    const stored = header(response.headers, 'docker-content-digest');
    if (stored && stored !== expected) throw new RegistryError('digest', `${what}: the registry stored ${stored}, we sent ${expected}.`);
  }

  /** Pushes a manifest under a tag (or digest); returns the registry's digest, checked against ours. */
  async putManifest(repository: string, reference: string, manifest: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
    const what = `pushing manifest ${repository}:${reference}`;
    const response = await this.send({
      method: 'PUT',
      url: `/v2/${repository}/manifests/${reference}`,
      scopes: RegistryClient.scopes(repository, true),
      headers: { 'content-type': mediaType, 'content-length': String(manifest.length) },
      body: () => manifest,
      expect: [201, 200],
      what,
      signal,
    });
    await response.body.dump();
    const digest = sha256(manifest);
    this.checkDigest(response, digest, what);
    return digest;
  }
}

export { isIndex };
