import { createHash } from 'node:crypto';
import { byteStream, countingChunks } from '../layer/layer.js';
import { blobSize } from './blobs.js';
import { RegistryError } from './errors.js';
import { checkStoredDigest, header, repositoryScopes, type Transport } from './transport.js';
import { bigBlobBytes, releasingAtEnd, type UploadSlots } from './upload-slots.js';

export interface BlobSource {
  /** Known digest, or undefined to hash while uploading. */
  digest?: string;
  size: number;
  /** Opens the bytes again for each attempt. */
  open: () => AsyncIterable<Buffer>;
  /** Bytes of this attempt handed to the connection so far (a retry starts again from 0). */
  onProgress?: (sent: number) => void;
}

export interface PushBlobOptions {
  mountFrom?: string;
  chunkSize?: number;
  skipExisting?: boolean;
  signal?: AbortSignal;
}

export interface PushBlobResult {
  digest: string;
  uploaded: boolean;
  mounted: boolean;
}

/** Whether pushing `blob` starts with a cross-repository mount (its digest known, another repository named). */
function isMount(repository: string, blob: BlobSource, options: { mountFrom?: string }): boolean {
  return Boolean(blob.digest && options.mountFrom && options.mountFrom !== repository);
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

/** One upload session's place and what it is for: where its requests go, with which scopes, said how in errors. */
interface Session {
  transport: Transport;
  location: URL;
  scopes: string[];
  what: string;
  signal?: AbortSignal;
}

function uploadUrl(transport: Transport, location: string | undefined, what: string): URL {
  if (!location) throw new RegistryError('other', `${what}: the registry sent no upload Location.`);
  return new URL(location, `${transport.base}/`);
}

/**
 * Uploads a blob unless the registry has it. With `mountFrom`, asks the registry to link it from
 * another repository first (no bytes sent), falling back to an upload. A known digest goes up in one
 * PUT; an unknown one (or `chunkSize`) in PATCHes, hashed on the way. Returns the digest and whether
 * bytes were sent. `skipExisting` (the default) asks with a HEAD whether the repository has the blob
 * before sending bytes: before the upload, or, for a mount, only once the registry has refused it.
 */
export async function pushBlob(
  transport: Transport,
  slots: UploadSlots,
  repository: string,
  blob: BlobSource,
  options: PushBlobOptions = {},
): Promise<PushBlobResult> {
  const { signal } = options;
  // A mount answers in one request both "you have it" and "now you have it": no HEAD before it.
  if (
    blob.digest &&
    !isMount(repository, blob, options) &&
    options.skipExisting !== false &&
    (await blobSize(transport, repository, blob.digest, signal)) !== undefined
  ) {
    return { digest: blob.digest, uploaded: false, mounted: false };
  }
  const what = `uploading blob ${blob.digest?.slice(0, 19) ?? `of ${blob.size} bytes`} to ${repository}`;
  if (blob.onProgress) {
    const { open, onProgress } = blob;
    blob = { ...blob, open: () => countingChunks(open(), onProgress) };
  }
  return transport.retrying(
    async () => {
      let release = () => {};
      try {
        return await uploadOnce(transport, slots, repository, blob, options, what, (slot) => (release = slot));
      } finally {
        release();
      }
    },
    signal,
    what,
  );
}

/** One attempt of `pushBlob` past the HEAD: a mount, or an upload session holding a slot while its body goes. */
async function uploadOnce(
  transport: Transport,
  slots: UploadSlots,
  repository: string,
  blob: BlobSource,
  options: PushBlobOptions,
  what: string,
  holding: (release: () => void) => void,
): Promise<PushBlobResult> {
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
  const query = mount ? `?mount=${encodeURIComponent(blob.digest!)}&from=${encodeURIComponent(options.mountFrom!)}` : '';
  const started = await transport.send({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/${query}`,
    scopes,
    headers: { 'content-length': '0' },
    expect: [201, 202],
    what,
    signal,
    retry: false,
  });
  await started.body.dump();
  if (started.status === 201) {
    checkStoredDigest(started, blob.digest!, what);
    return { digest: blob.digest!, uploaded: false, mounted: true };
  }
  const session: Session = { transport, location: uploadUrl(transport, header(started.headers, 'location'), what), scopes, what, signal };
  try {
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
    const open = release ? () => releasingAtEnd(blob.open(), blob.size, release!) : blob.open;
    const chunked = !blob.digest || (options.chunkSize !== undefined && blob.size > options.chunkSize);
    const digest = chunked ? await putChunked(session, blob, open, options.chunkSize) : await putWhole(session, blob.digest!, blob.size, open);
    return { digest, uploaded: true, mounted: false };
  } catch (error) {
    // A failed attempt closes its session (the retry opens its own); a stopped run just stops.
    if (!signal?.aborted) await cancelUpload(session);
    throw error;
  }
}

/** A blob of known digest in one PUT to the session. */
async function putWhole(session: Session, digest: string, size: number, open: () => AsyncIterable<Buffer>): Promise<string> {
  const { transport, location, scopes, what, signal } = session;
  location.searchParams.set('digest', digest);
  const done = await transport.send({
    method: 'PUT',
    url: location.toString(),
    scopes,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: () => byteStream(open()),
    expect: [201],
    what,
    signal,
    retry: false,
  });
  await done.body.dump();
  checkStoredDigest(done, digest, what);
  return digest;
}

/** A blob in PATCHes of `chunkSize` (one when unset), hashed on the way; the closing PUT names the digest. */
async function putChunked(session: Session, blob: BlobSource, open: () => AsyncIterable<Buffer>, chunkSize = Number.MAX_SAFE_INTEGER): Promise<string> {
  const { transport, scopes, what, signal } = session;
  const hash = createHash('sha256');
  const reader = new ByteReader(open()[Symbol.asyncIterator]());
  for (let offset = 0; offset < blob.size; ) {
    const length = Math.min(chunkSize, blob.size - offset);
    const part = await transport.send({
      method: 'PATCH',
      url: session.location.toString(),
      scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(length), 'content-range': `${offset}-${offset + length - 1}` },
      body: () => byteStream(reader.take(length, (chunk) => hash.update(chunk))),
      expect: [202],
      what,
      signal,
      retry: false,
    });
    await part.body.dump();
    session.location = uploadUrl(transport, header(part.headers, 'location'), what);
    offset += length;
  }
  const digest = `sha256:${hash.digest('hex')}`;
  if (blob.digest && digest !== blob.digest)
    throw new RegistryError('digest', `${what}: the bytes hash to ${digest}, not ${blob.digest}; a file changed while it was uploaded.`);
  session.location.searchParams.set('digest', digest);
  const done = await transport.send({
    method: 'PUT',
    url: session.location.toString(),
    scopes,
    headers: { 'content-length': '0' },
    expect: [201],
    what,
    signal,
    retry: false,
  });
  await done.body.dump();
  checkStoredDigest(done, digest, what);
  return digest;
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
