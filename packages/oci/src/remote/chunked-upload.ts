import { createHash, type Hash } from 'node:crypto';
import { byteStream } from '../layer/layer.js';
import { blobSize } from './blobs.js';
import { RegistryError } from './errors.js';
import { RetryableStatus } from './retry.js';
import { checkStoredDigest, header, type Response } from './answers.js';
import type { Transport } from './transport.js';

/** What a blob upload reads: its bytes, opened again for each attempt, or from a byte on. */
export interface BlobBytes {
  /** Known digest, or undefined to hash while uploading. */
  digest?: string;
  size: number;
  open: () => AsyncIterable<Buffer>;
  /** Opens the bytes from `start` on, skipping what is before it unread; without it, they are read from 0 and dropped. */
  openFrom?: (start: number) => AsyncIterable<Buffer>;
}

/** One upload session's place and what it is for: where its requests go, with which scopes, said how in errors. */
export interface Session {
  transport: Transport;
  repository: string;
  location: URL;
  scopes: string[];
  what: string;
  signal?: AbortSignal;
}

export function uploadUrl(transport: Transport, location: string | undefined, what: string): URL {
  if (!location) throw new RegistryError('other', `${what}: the registry sent no upload Location.`);
  return new URL(location, `${transport.base}/`);
}

/** The registry refused a chunk (a 4xx other than 416 on the first PATCH, or an answer without Location). */
export class ChunksRefused extends Error {}

/** The registry no longer knows the upload session (a 4xx asking where it stands): the blob starts again in a new one. */
export class UploadLost extends Error {
  constructor(
    message: string,
    /** What the retry of the whole blob reports: the registry's 4xx, or 500 for a session short of bytes. */
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * A request body over `chunks` that remembers the error it failed with: undici reports a body's error
 * as a failed request, which the transport would take for an unreachable host.
 */
function guardedBody(chunks: AsyncIterable<Buffer>): { body: () => ReturnType<typeof byteStream>; failure: () => unknown } {
  let failure: unknown;
  async function* guarded(): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
    } catch (error) {
      failure = error;
      throw error;
    }
  }
  return { body: () => byteStream(guarded()), failure: () => failure };
}

/** Sends a request with a guarded body: when the body failed, its error is thrown, not the request's. */
export async function sendWithBody<T>(
  session: Session,
  body: AsyncIterable<Buffer>,
  send: (body: () => ReturnType<typeof byteStream>) => Promise<T>,
): Promise<T> {
  const guarded = guardedBody(body);
  try {
    return await send(guarded.body);
  } catch (error) {
    if (guarded.failure() !== undefined && !session.signal?.aborted) throw guarded.failure();
    throw error;
  }
}

function openAt(blob: BlobBytes, start: number): AsyncIterable<Buffer> {
  if (start === 0) return blob.open();
  if (blob.openFrom) return blob.openFrom(start);
  return (async function* () {
    let skip = start;
    for await (const chunk of blob.open()) {
      if (skip >= chunk.length) skip -= chunk.length;
      else {
        yield skip ? chunk.subarray(skip) : chunk;
        skip = 0;
      }
    }
  })();
}

/**
 * A blob's bytes from any offset: one open stream serves reads that follow each other (chunk after
 * chunk); a read elsewhere (a resume), or while another read is unfinished (a body sent again after a
 * 401), opens it again there.
 */
class BlobCursor {
  private iterator: AsyncIterator<Buffer> | undefined;
  private leftover: Buffer | undefined;
  private position = 0;
  private busy = false;

  constructor(private readonly blob: BlobBytes) {}

  /** Bytes [start, start + length). */
  async *range(start: number, length: number): AsyncGenerator<Buffer> {
    if (!this.iterator || this.position !== start || this.busy) this.reopen(start);
    const iterator = this.iterator!;
    this.busy = true;
    try {
      for (let remaining = length; remaining > 0; ) {
        let chunk = this.leftover;
        this.leftover = undefined;
        if (!chunk) {
          let next: IteratorResult<Buffer>;
          try {
            next = await iterator.next();
          } catch (error) {
            if (this.iterator !== iterator) return; // closed under a stale read
            throw error;
          }
          if (this.iterator !== iterator) return; // opened again meanwhile: this read is stale
          if (next.done) throw new Error(`the blob ended after ${this.position} of its ${this.blob.size} bytes`);
          chunk = next.value;
        }
        if (chunk.length > remaining) {
          this.leftover = chunk.subarray(remaining);
          chunk = chunk.subarray(0, remaining);
        }
        remaining -= chunk.length;
        this.position += chunk.length;
        yield chunk;
        if (this.iterator !== iterator) return;
      }
    } finally {
      if (this.iterator === iterator) this.busy = false;
    }
  }

  private reopen(start: number): void {
    this.close();
    this.iterator = openAt(this.blob, start)[Symbol.asyncIterator]();
    this.position = start;
  }

  /** Closes the open stream (a file, a download), without waiting for it. */
  close(): void {
    const iterator = this.iterator;
    this.iterator = undefined;
    this.leftover = undefined;
    this.busy = false;
    iterator?.return?.(undefined).catch(() => {});
  }
}

/**
 * Bytes the registry says it holds, from a `Range: 0-<last>` header. `0-0` says 0 bytes or 1; it is
 * taken as `ifZeroOrOne` (distribution writes `0-0` for an empty upload).
 */
function heldBytes(response: Response, ifZeroOrOne = 0): number | undefined {
  const match = /^(?:bytes=)?0-(\d+)$/.exec(header(response.headers, 'range')?.trim() ?? '');
  if (!match) return undefined;
  const last = Number(match[1]);
  return last === 0 ? ifZeroOrOne : last + 1;
}

/** Where an upload stands: the bytes the registry holds (`GET` on the session: 204 and `Range`). */
async function uploadStatus(session: Session): Promise<number> {
  const { transport, scopes, what, signal } = session;
  let response: Response;
  try {
    response = await transport.send({ method: 'GET', url: session.location.toString(), scopes, expect: [204, 200], what, signal, retry: false });
  } catch (error) {
    // Distribution answers 400 to a session whose state no longer matches its bytes, 404 to one it dropped.
    if (error instanceof RegistryError && error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 401) {
      throw new UploadLost(`${what}: the registry no longer knows the upload (HTTP ${error.status} asking where it stands)`, error.status);
    }
    throw error;
  }
  await response.body.dump();
  const location = header(response.headers, 'location');
  if (location) session.location = uploadUrl(session.transport, location, what);
  return heldBytes(response) ?? 0;
}

export interface ChunkedUpload {
  session: Session;
  blob: BlobBytes;
  /** Bytes per PATCH (the last one may be fewer); halved after a 413, down to `minChunkBytes`. */
  chunkBytes: number;
  /** The smallest chunk the registry takes (`OCI-Chunk-Min-Length`), or 1 MiB. */
  minChunkBytes: number;
  /** Hears a chunk size halved after a 413, so the client's later uploads start there. */
  onShrink?: (chunkBytes: number) => void;
  /** The offset up to which a PATCH's body has been handed to the connection: progress, and the slot handed back at the end. */
  onSent?: (position: number) => void;
}

/**
 * A blob in PATCHes of `chunkBytes` with `Content-Range`, hashed on the way; the closing PUT names the
 * digest. After a reset, a 5xx or a 416 on a PATCH, asks the registry where the upload stands and
 * resumes from the offset it confirms, in the same session (the transport's retry policy paces the
 * tries of each chunk; a session the registry no longer knows throws `UploadLost`). The hash covers
 * exactly the bytes the registry holds: it is brought to the confirmed offset from the nearest mark
 * before it (one every `markBytes` of a body), reading again only what lies between, so a resumed
 * upload still ends with the right digest. A known digest is compared with that hash before the
 * closing PUT: bytes that do not match it (a file that changed, a base layer a registry sent wrong)
 * are never committed.
 */
export async function putChunked(upload: ChunkedUpload): Promise<string> {
  const { session, blob } = upload;
  const { transport, what, signal } = session;
  const algorithm = blob.digest ? blob.digest.slice(0, blob.digest.indexOf(':')) : 'sha256';
  const cursor = new BlobCursor(blob);
  const state: ChunkState = { confirmed: 0, hash: createHash(algorithm), marks: [], patches: 0 };
  /**
   * Takes `offset` as what the registry holds: the hash is brought there from the nearest mark before
   * it (at most `markBytes` to read again), or from 0 when the registry holds less than any mark.
   */
  const confirm = async (offset: number) => {
    if (offset > blob.size) throw new RegistryError('other', `${what}: the registry says it holds ${offset} of ${blob.size} bytes.`);
    const mark = [{ offset: state.confirmed, hash: state.hash }, ...state.marks]
      .filter((m) => m.offset <= offset)
      .reduce<Mark>((best, m) => (m.offset > best.offset ? m : best), { offset: 0, hash: createHash(algorithm) });
    const hash = mark.hash.copy();
    for await (const chunk of cursor.range(mark.offset, offset - mark.offset)) hash.update(chunk);
    state.hash = hash;
    state.confirmed = offset;
    state.marks = [];
  };
  try {
    while (state.confirmed < blob.size) {
      let resume = false;
      await transport.retrying(
        async () => {
          if (resume) await confirm(await uploadStatus(session));
          resume = true;
          if (state.confirmed < blob.size) await patch(upload, cursor, state, confirm);
        },
        signal,
        what,
      );
    }
  } finally {
    cursor.close();
  }
  const digest = `${algorithm}:${state.hash.digest('hex')}`;
  // A base layer's bytes are checked as they are read (getBlob), so these are our own: a file changed.
  if (blob.digest && digest !== blob.digest)
    throw new RegistryError(
      'digest',
      `${what}: the bytes read hash to ${digest}, not ${blob.digest}: a file of this layer changed while it was read, so the upload was not completed. Run again once it no longer changes.`,
    );
  return closeUpload(session, digest, blob.size);
}

/** The hash of a blob's bytes before `offset`. */
interface Mark {
  offset: number;
  hash: Hash;
}

/** A mark is taken every this many bytes of a PATCH's body: a resume reads at most this much again. */
const markBytes = 1024 * 1024;

interface ChunkState {
  /** Bytes the registry holds, and their hash. */
  confirmed: number;
  hash: Hash;
  /** Marks past `confirmed`, taken while PATCH bodies were read. */
  marks: Mark[];
  patches: number;
}

/** One PATCH from the confirmed offset; on its 202, the offset the registry confirms. */
async function patch(upload: ChunkedUpload, cursor: BlobCursor, state: ChunkState, confirm: (offset: number) => Promise<void>): Promise<void> {
  const { session, blob } = upload;
  const { transport, scopes, what, signal } = session;
  const start = state.confirmed;
  const length = Math.min(upload.chunkBytes, blob.size - start);
  let pending = state.hash;
  const first = state.patches === 0;
  const tapped = async function* () {
    pending = state.hash.copy();
    let sent = start;
    let marked = start;
    for await (const chunk of cursor.range(start, length)) {
      pending.update(chunk);
      sent += chunk.length;
      if (sent - marked >= markBytes) {
        state.marks.push({ offset: sent, hash: pending.copy() });
        marked = sent;
      }
      upload.onSent?.(sent);
      yield chunk;
    }
  };
  let response: Response;
  try {
    response = await sendWithBody(session, { [Symbol.asyncIterator]: () => tapped() }, (body) =>
      transport.send({
        method: 'PATCH',
        url: session.location.toString(),
        scopes,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(length), 'content-range': `${start}-${start + length - 1}` },
        body,
        expect: [202],
        what,
        signal,
        retry: false,
      }),
    );
  } catch (error) {
    const status = error instanceof RegistryError ? error.status : undefined;
    // 416: the registry holds another offset than ours; ask it (the retry does) where the upload stands.
    if (status === 416) throw new RetryableStatus(416, undefined, 'the registry holds another offset');
    // 413: the chunk is more than the registry (or a proxy before it, such as Cloudflare's 100 MB) takes: halve it.
    if (status === 413 && Math.floor(upload.chunkBytes / 2) >= upload.minChunkBytes) {
      upload.chunkBytes = Math.floor(upload.chunkBytes / 2);
      upload.onShrink?.(upload.chunkBytes);
      throw new RetryableStatus(413, undefined, `the chunk was too big; now ${upload.chunkBytes} bytes`);
    }
    if (first && status !== undefined && status >= 400 && status < 500 && ![401, 403, 404, 413].includes(status)) throw new ChunksRefused(`HTTP ${status}`);
    throw error;
  }
  await response.body.dump();
  state.patches++;
  const location = header(response.headers, 'location');
  if (!location && first) throw new ChunksRefused('no Location');
  session.location = uploadUrl(transport, location, what);
  const end = start + length;
  // The registry's Range, when it sends one, says what it holds; one beyond what we sent is not believed.
  const said = heldBytes(response, end <= 1 ? end : 0);
  const held = said === undefined || said > end ? end : said;
  if (held === end) {
    state.hash = pending;
    state.confirmed = end;
    state.marks = [];
  } else await confirm(held);
}

/**
 * The closing PUT of a chunked upload, naming the digest; the registry checks it against the bytes it
 * holds. Retried in the same session: when the last try failed on the way, the registry may hold the
 * whole upload still (put it again) or have completed the blob already (it has the blob: done).
 */
async function closeUpload(session: Session, digest: string, size: number): Promise<string> {
  const { transport, repository, what, signal } = session;
  let again = false;
  return transport.retrying(
    async () => {
      if (again) {
        const held = await uploadStatus(session).catch(async (error: unknown) => {
          if (error instanceof UploadLost && (await blobSize(transport, repository, digest, signal, { retry: false })) !== undefined) return undefined;
          throw error;
        });
        if (held === undefined) return digest;
        if (held !== size) throw new UploadLost(`${what}: the registry holds ${held} of ${size} bytes before the closing PUT`, 500);
      }
      again = true;
      return putWithDigest(session, digest, { 'content-length': '0' });
    },
    signal,
    what,
  );
}

/**
 * The PUT that completes a session, naming the digest: the registry checks the bytes it holds (and any
 * sent with this request) against it, and the digest it says it stored is checked against ours.
 */
export async function putWithDigest(
  session: Session,
  digest: string,
  headers: Record<string, string>,
  body?: () => ReturnType<typeof byteStream>,
): Promise<string> {
  const { transport, location, scopes, what, signal } = session;
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  const done = await transport.send({ method: 'PUT', url: url.toString(), scopes, headers, body, expect: [201], what, signal, retry: false });
  await done.body.dump();
  checkStoredDigest(done, digest, what);
  return digest;
}
