import type { Readable } from 'node:stream';
import { blobSize, getBlob, getBlobBytes } from './blobs.js';
import { deleteTag, getManifest, manifestDigest, putManifest, type ManifestResponse, type TagDigests } from './manifests.js';
import type { RegistryHint } from '../cache/registry-hints.js';
import { Transport, type TransportOptions } from './transport.js';
import { UploadSlots } from './upload-slots.js';
import { defaultChunkBytes, pushBlob, type BlobSource, type ChunkPolicy, type PushBlobOptions, type PushBlobResult } from './uploads.js';

export interface RegistryClientOptions extends TransportOptions {
  /** Big blob bodies sent at once, over every repository of this host (see `UploadSlots`). @default 4 */
  uploads?: number;
  /**
   * The largest PATCH of a chunked upload to this registry: a blob of known digest up to this size goes
   * up in one PUT, a bigger one (or one hashed on the way) in chunks of this size, or of the registry's
   * `OCI-Chunk-Min-Length` when that is more. @default `defaultChunkBytes` (128 MiB)
   */
  chunkBytes?: number;
}

/**
 * A client for one registry over the OCI distribution API: auth (none, Basic, Bearer), retries with
 * backoff on 5xx/429/connection resets, digests checked against what the registry says it stored.
 * The requests themselves are in `transport.ts`, `blobs.ts`, `uploads.ts` and `manifests.ts`.
 */
export class RegistryClient {
  readonly host: string;
  private readonly uploadSlots: UploadSlots;
  private readonly chunks: ChunkPolicy;
  private readonly transport: Transport;
  /** What the registry said each tag holds, so a later read of the tag is checked against it. */
  private readonly tagDigests: TagDigests = new Map();

  constructor(options: RegistryClientOptions) {
    this.host = options.host;
    this.uploadSlots = new UploadSlots(options.uploads ?? 4);
    const chunkBytes = options.chunkBytes ?? defaultChunkBytes;
    if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`chunkBytes must be a whole number >= 1, got ${chunkBytes}`);
    this.chunks = { chunkBytes };
    this.transport = new Transport(options);
  }

  /** What this run learnt of the registry, for the next run's `hint` (see Transport.learnt). */
  get learnt(): { hint?: RegistryHint } | undefined {
    return this.transport.learnt;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** `GET /v2/`: learns how the registry wants to be authenticated. */
  ping(signal?: AbortSignal): Promise<void> {
    return this.transport.ping(signal);
  }

  /** Checks the credentials now (`GET /v2/` authenticated), so a wrong password fails before any build. */
  async login(signal?: AbortSignal): Promise<void> {
    await this.transport.ping(signal);
    // The ping took our credentials already (a Basic registry): nothing more to ask.
    if (this.transport.loggedIn) return;
    const response = await this.transport.send({ method: 'GET', url: '/v2/', scopes: [], expect: [200], what: 'logging in', signal });
    await response.body.dump();
  }

  /** The blob's size when the registry has it. `retry: false` inside an upload attempt, which is retried as a whole. */
  blobSize(repository: string, digest: string, signal?: AbortSignal, options: { retry?: boolean } = {}): Promise<number | undefined> {
    return blobSize(this.transport, repository, digest, signal, options);
  }

  /** A manifest by tag or digest, checked against its digest; an index is returned as is (see `resolveBaseImage`). */
  getManifest(repository: string, reference: string, signal?: AbortSignal): Promise<ManifestResponse> {
    return getManifest(this.transport, repository, reference, signal, this.tagDigests);
  }

  /** The digest a tag points to now, or undefined when there is no such tag (the registry answers 404). */
  manifestDigest(repository: string, reference: string, signal?: AbortSignal): Promise<string | undefined> {
    return manifestDigest(this.transport, repository, reference, signal, this.tagDigests);
  }

  /**
   * A blob's bytes as a stream, checked against its digest (and `size`) as they flow: it fails naming
   * the digest, before its last chunk, when the registry sends other bytes (see `getBlob` in blobs.ts).
   */
  getBlob(repository: string, digest: string, signal?: AbortSignal, size?: number): Promise<Readable> {
    return getBlob(this.transport, repository, digest, signal, size);
  }

  /** A small blob (an image config), read whole and checked against its digest. */
  getBlobBytes(repository: string, digest: string, signal?: AbortSignal): Promise<Buffer> {
    return getBlobBytes(this.transport, repository, digest, signal);
  }

  /** Uploads a blob unless the registry has it, or mounts it from `mountFrom` (see `pushBlob` in uploads.ts). */
  pushBlob(repository: string, blob: BlobSource, options: PushBlobOptions = {}): Promise<PushBlobResult> {
    return pushBlob(this.transport, this.uploadSlots, repository, blob, options, this.chunks);
  }

  /** Pushes a manifest under a tag (or digest); returns the registry's digest, checked against ours. */
  async putManifest(repository: string, reference: string, manifest: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
    const digest = await putManifest(this.transport, repository, reference, manifest, mediaType, signal);
    if (!reference.includes(':')) this.tagDigests.set(`${repository}:${reference}`, digest); // the tag holds what we put
    return digest;
  }

  /** Deletes a tag where the registry allows it; false where it does not (see `deleteTag`). */
  deleteTag(repository: string, tag: string, signal?: AbortSignal): Promise<boolean> {
    this.tagDigests.delete(`${repository}:${tag}`);
    return deleteTag(this.transport, repository, tag, signal);
  }
}
