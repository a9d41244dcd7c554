import { repositoryScopes } from '../authn/registry-auth.js';
import { createHash } from 'node:crypto';
import { countingChunks } from '../layer/layer.js';
import { blobSize } from './blobs.js';
import { ChunksRefused, putChunked, putWithDigest, sendWithBody, uploadUrl, UploadLost, type BlobBytes, type Session } from './chunked-upload.js';
import { RegistryError } from './errors.js';
import { RetryableStatus } from './retry.js';
import { checkStoredDigest, header, type Response } from './answers.js';
import type { Transport } from './transport.js';
import { bigBlobBytes, releasingAtEnd, type UploadSlots } from './upload-slots.js';

export interface BlobSource extends BlobBytes {
  /**
   * Bytes handed to the connection so far: of this attempt for a blob sent in one PUT (a retry starts
   * again from 0); for one sent in chunks, the offset reached (a resume goes on from what the
   * registry confirmed).
   */
  onProgress?: (sent: number) => void;
}

export interface PushBlobOptions {
  mountFrom?: string;
  skipExisting?: boolean;
  /**
   * The blob is probably new (a first push to its tag): `skipExisting`'s HEAD goes with the session's POST
   * instead of before it, a round trip fewer. Where it is probably there (a tag that holds an image we have
   * no record of, `--force`), the HEAD goes first, and a session is opened only for a blob it does not find.
   */
  probablyNew?: boolean;
  signal?: AbortSignal;
}

export interface PushBlobResult {
  digest: string;
  uploaded: boolean;
  mounted: boolean;
}

/**
 * The largest PATCH of a chunked upload, unless the client is told otherwise. Each PATCH costs Debian's
 * registry a request's own work (the password's bcrypt, an fsync, the hash state written): about 80 ms
 * here, so 400 MB took about 0.45 s longer in 64 MiB chunks than in one request, 0.25 s in 128 MiB ones.
 * A proxy that takes less (413) gets halved chunks.
 */
export const defaultChunkBytes = 128 * 1024 * 1024;

/** How long a stopped run waits for the registry to close an upload session (best effort). */
const cancelOnAbortMs = 2_000;

/** Chunks are not halved below this after a 413, unless the registry asks for more. */
const minChunkBytes = 1024 * 1024;

/** How a client uploads to its registry. */
export interface ChunkPolicy {
  /** The largest PATCH; a blob of known digest up to this size goes up in one PUT. */
  chunkBytes: number;
  /** The registry refused a chunk: every upload to it is one PUT from then on. */
  refused?: boolean;
}

/** Whether pushing `blob` starts with a cross-repository mount (its digest known, another repository named). */
function isMount(repository: string, blob: BlobSource, options: { mountFrom?: string }): boolean {
  return Boolean(blob.digest && options.mountFrom && options.mountFrom !== repository);
}

/**
 * Uploads a blob unless the registry has it. With `mountFrom`, asks the registry to link it from
 * another repository first (no bytes sent), falling back to an upload. A known digest up to the chunk
 * size goes up in one PUT; a bigger blob, or one of unknown digest, in PATCHes (resumed where the
 * registry confirms after a failure, see `putChunked`), hashed on the way. Returns the digest and
 * whether bytes were sent. `skipExisting` (the default) asks with a HEAD whether the repository has
 * the blob before sending bytes: before the upload, or, for a mount, only once the registry has refused it.
 */
export async function pushBlob(
  transport: Transport,
  slots: UploadSlots,
  repository: string,
  blob: BlobSource,
  options: PushBlobOptions = {},
  policy: ChunkPolicy = { chunkBytes: defaultChunkBytes },
): Promise<PushBlobResult> {
  const { signal } = options;
  // A mount answers in one request both "you have it" and "now you have it": no HEAD before it. For a
  // blob that is probably new, the HEAD goes with the session's POST: no byte is sent before its answer,
  // and a session opened for a blob the repository has is closed.
  const asking = blob.digest && !isMount(repository, blob, options) && options.skipExisting !== false;
  const present = asking ? blobSize(transport, repository, blob.digest!, signal).then((size) => size !== undefined) : undefined;
  present?.catch(() => undefined); // awaited by the upload; meanwhile its failure is no crash
  if (present && !options.probablyNew && (await present)) return { digest: blob.digest!, uploaded: false, mounted: false };
  const what = `uploading blob ${blob.digest?.slice(0, 19) ?? `of ${blob.size} bytes`} to ${repository}`;
  return transport.retrying(
    async () => {
      let release = () => {};
      try {
        return await uploadOnce({ transport, slots, repository, blob, options, policy, what, present }, (slot) => (release = slot));
      } catch (error) {
        // A session the registry lost mid-blob: the blob starts again in a new one, as after a failed attempt.
        if (error instanceof UploadLost) throw new RetryableStatus(error.status, undefined, error.message);
        throw error;
      } finally {
        release();
      }
    },
    signal,
    what,
  );
}

interface Upload {
  transport: Transport;
  slots: UploadSlots;
  repository: string;
  blob: BlobSource;
  options: PushBlobOptions;
  policy: ChunkPolicy;
  what: string;
  /** Whether the repository has the blob already (a HEAD: sent with the session's POST for a blob probably new, else answered already), when asked. */
  present?: Promise<boolean>;
}

/** Opens an upload session (a POST, with a mount's query): the registry's answer. */
async function startUpload(upload: Upload, scopes: string[], query = ''): Promise<Response> {
  const { transport, repository, what, options } = upload;
  const started = await transport.send({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/${query}`,
    scopes,
    headers: { 'content-length': '0' },
    expect: [201, 202],
    what,
    signal: options.signal,
    retry: false,
  });
  await started.body.dump();
  return started;
}

/** One attempt of `pushBlob` past the HEAD: a mount, or an upload session holding a slot while its body goes. */
async function uploadOnce(upload: Upload, holding: (release: () => void) => void): Promise<PushBlobResult> {
  const { transport, slots, repository, blob, options, policy, what } = upload;
  const { signal } = options;
  const scopes = repositoryScopes(repository, true, options.mountFrom);
  const mount = isMount(repository, blob, options);
  // A slot before the session opens (a queued upload holds no session a registry might expire); a
  // mount takes one only if the registry answers with an upload instead.
  const big = blob.size > bigBlobBytes;
  let release: (() => void) | undefined;
  if (big && !mount) {
    release = await slots.acquire(signal);
    holding(release);
  }
  const started = await startUpload(upload, scopes, mount ? `?mount=${encodeURIComponent(blob.digest!)}&from=${encodeURIComponent(options.mountFrom!)}` : '');
  if (started.status === 201) {
    checkStoredDigest(started, blob.digest!, what);
    return { digest: blob.digest!, uploaded: false, mounted: true };
  }
  const session: Session = { transport, repository, location: uploadUrl(transport, header(started.headers, 'location'), what), scopes, what, signal };
  try {
    if (await upload.present) {
      await cancelUpload(session, signal);
      return { digest: blob.digest!, uploaded: false, mounted: false };
    }
    // A registry that ignores mounts opened an upload instead: before copying a base layer that may be
    // GBs, ask whether the repository has it, and close the session if it does.
    if (mount && options.skipExisting !== false && (await blobSize(transport, repository, blob.digest!, signal, { retry: false })) !== undefined) {
      await cancelUpload(session, signal);
      return { digest: blob.digest!, uploaded: false, mounted: false };
    }
    if (big && !release) {
      release = await slots.acquire(signal);
      holding(release);
    }
    // Chunks no smaller than the registry asks for (OCI-Chunk-Min-Length), except the last.
    const minLength = Number(header(started.headers, 'oci-chunk-min-length')) || 0;
    const chunkBytes = Math.max(policy.chunkBytes, minLength);
    if (blob.digest && (blob.size <= chunkBytes || policy.refused)) {
      try {
        return { digest: await putWhole(session, blob.digest, blob, release), uploaded: true, mounted: false };
      } catch (error) {
        // 413: more than the registry (or a proxy before it) takes in one request: the retry goes in chunks.
        const half = Math.floor(blob.size / 2);
        if (!(error instanceof RegistryError && error.status === 413) || policy.refused || half < minChunkBytes) throw error;
        policy.chunkBytes = Math.min(policy.chunkBytes, half);
        throw new RetryableStatus(413, undefined, `the blob was too big for one request; now in chunks of ${policy.chunkBytes} bytes`);
      }
    }
    if (policy.refused) return { digest: await putWhole(session, await hashBlob(blob, signal), blob, release), uploaded: true, mounted: false };
    try {
      const onSent = (sent: number) => {
        blob.onProgress?.(sent);
        if (sent >= blob.size) release?.();
      };
      const chunks = { session, blob, chunkBytes, minChunkBytes: Math.max(minLength, minChunkBytes), onSent };
      const onShrink = (bytes: number) => (policy.chunkBytes = Math.min(policy.chunkBytes, bytes));
      return { digest: await putChunked({ ...chunks, onShrink }), uploaded: true, mounted: false };
    } catch (error) {
      if (!(error instanceof ChunksRefused)) throw error;
      // The registry takes no chunks: one PUT in a new session, for this blob and every later one.
      policy.refused = true;
      await cancelUpload(session, signal);
      const again = await startUpload(upload, repositoryScopes(repository, true));
      session.location = uploadUrl(transport, header(again.headers, 'location'), what);
      return { digest: await putWhole(session, blob.digest ?? (await hashBlob(blob, signal)), blob, release), uploaded: true, mounted: false };
    }
  } catch (error) {
    // A failed attempt closes its session (the retry opens its own). So does a stopped run, on a short
    // timeout of its own (the run's signal has fired): else the registry keeps the session, and the
    // bytes sent so far, until it purges stale uploads (distribution: after a week).
    if (signal?.aborted) await cancelUpload(session, AbortSignal.timeout(cancelOnAbortMs)).catch(() => {});
    else await cancelUpload(session);
    throw error;
  }
}

/** The digest of a blob's bytes, read once (a registry that takes no chunks needs it before the one PUT). */
async function hashBlob(blob: BlobSource, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of blob.open()) {
    signal?.throwIfAborted();
    hash.update(chunk);
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * A blob of known digest in one PUT to the session. The registry checks the bytes against `?digest=`
 * before it commits them; a base layer copied from another registry is also checked on the way
 * (`getBlob` fails before its last chunk), so the PUT never completes with wrong bytes.
 */
async function putWhole(session: Session, digest: string, blob: BlobSource, release: (() => void) | undefined): Promise<string> {
  const counted = blob.onProgress ? countingChunks(blob.open(), blob.onProgress) : blob.open();
  const chunks = release ? releasingAtEnd(counted, blob.size, release) : counted;
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) };
  return sendWithBody(session, chunks, (body) => putWithDigest(session, digest, headers, body));
}

/** Closes an upload session we will not use; the registry would expire it anyway, so failures pass. */
async function cancelUpload(session: Session, signal?: AbortSignal): Promise<void> {
  const { transport, location, scopes, what } = session;
  try {
    const response = await transport.send({ method: 'DELETE', url: location.toString(), scopes, expect: [204, 404], what, signal, retry: false });
    await response.body.dump();
  } catch (error) {
    if (signal?.aborted) throw error;
  }
}
