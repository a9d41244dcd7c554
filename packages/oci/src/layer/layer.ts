import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createWriteStream } from 'node:fs';
import { sharedHashPool, type HashPart } from './hash-pool.js';
import { paddingFor, tarEntrySize, tarHeader, tarTrailer, type TarEntryType } from './tar.js';

/** One entry of a layer: a folder, a file on disk, or bytes in memory. */
export interface LayerEntry {
  /** Path in the image, without a leading `/`. */
  path: string;
  type: TarEntryType;
  mode: number;
  /** Bytes of a file entry. */
  size: number;
  /** Absolute path of the file to read. */
  source?: string;
  /** Or its contents (small generated files). */
  contents?: Buffer;
  /** mtime (ns) and inode of `source` when it was listed: what the layer cache keys on. */
  stat?: { mtimeNs: string; ino: string };
  /** Or a stream of exactly `size` bytes (a blob being copied into an archive). */
  open?: () => AsyncIterable<Buffer>;
}

export interface LayerOptions {
  /**
   * Read files into a ring of this many buffers instead of a new buffer per read, so a stream of any
   * size holds a fixed amount of memory. Only for consumers that are done with a chunk a few chunks
   * later (a hash, a socket or file write with backpressure); never for one that keeps chunks.
   * @default undefined (a new buffer per read)
   */
  ring?: number;
  /** mtime of every entry, in seconds. @default 0 (or SOURCE_DATE_EPOCH, see `sourceDateEpoch`) */
  mtime?: number;
}

/** Large reads: fewer syscalls and hash updates. */
export const readChunkSize = 1 << 20;

/** `SOURCE_DATE_EPOCH` when it is a valid integer, else 0. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.SOURCE_DATE_EPOCH;
  return value && /^\d+$/.test(value) ? Number(value) : 0;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Sorts entries by path bytes and adds every missing parent folder, so a layer is the same whatever
 * order the files were found in. A parent always sorts before its children.
 */
export function normalizeEntries(entries: readonly LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const entry of entries) {
    const clean = entry.path.replace(/^\/+|\/+$/g, '');
    if (!clean || clean.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new Error(`invalid layer path ${JSON.stringify(entry.path)}`);
    }
    byPath.set(clean, { ...entry, path: clean });
    const parts = clean.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!byPath.has(parent)) byPath.set(parent, { path: parent, type: 'directory', mode: 0o755, size: 0 });
    }
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
}

/** The uncompressed size of the tar of these entries, known before reading any file. */
export function tarSize(entries: readonly LayerEntry[], options: LayerOptions = {}): number {
  let total = tarTrailer.length;
  for (const entry of entries) total += tarEntrySize({ ...entry, mtime: options.mtime ?? 0 });
  return total;
}

interface TarChunksOptions extends LayerOptions {
  /**
   * Start at this byte of the tar instead of its first: entries before it are not opened, a file it
   * falls in is read from there (a resumed upload sends only what the registry does not have).
   */
  start?: number;
}

/** Streams the tar of (normalized) entries, reading files in large chunks; never a whole file in memory. */
export async function* tarChunks(entries: readonly LayerEntry[], options: TarChunksOptions = {}): AsyncGenerator<Buffer> {
  const mtime = options.mtime ?? 0;
  const ring = options.ring ? Array.from({ length: options.ring }, () => Buffer.allocUnsafeSlow(readChunkSize)) : undefined;
  const turn = { next: 0 };
  let skip = options.start ?? 0;
  /** What is left of `buffer` once the bytes before `start` are skipped. */
  const cut = (buffer: Buffer): Buffer | undefined => {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      return undefined;
    }
    const rest = skip ? buffer.subarray(skip) : buffer;
    skip = 0;
    return rest;
  };
  for (const entry of entries) {
    const header = tarHeader({ path: entry.path, type: entry.type, mode: entry.mode, size: entry.size, mtime });
    const file = entry.type === 'file';
    const pad = file ? paddingFor(entry.size) : 0;
    if (skip >= header.length + (file ? entry.size : 0) + pad) {
      skip -= header.length + (file ? entry.size : 0) + pad; // wholly before the start: not opened
      continue;
    }
    const head = cut(header);
    if (head) yield head;
    if (!file) continue;
    const from = Math.min(skip, entry.size);
    skip -= from;
    if (entry.contents) {
      if (entry.contents.length !== entry.size) throw new Error(`${entry.path}: size mismatch`);
      if (from < entry.size) yield entry.contents.subarray(from);
    } else if (entry.open) {
      let done = 0;
      for await (const chunk of entry.open()) {
        done += chunk.length;
        if (done > entry.size) throw new Error(`${entry.path}: more than the expected ${entry.size} bytes`);
        // A stream cannot seek: the bytes before `from` are read and dropped.
        if (done > from) yield done - chunk.length >= from ? chunk : chunk.subarray(from - (done - chunk.length));
      }
      if (done !== entry.size) throw new Error(`${entry.path}: ${done} bytes instead of ${entry.size}`);
    } else if (entry.source) {
      yield* fileChunks(entry.source, entry.size, from, ring, turn);
    } else {
      throw new Error(`${entry.path}: a file entry needs a source or contents`);
    }
    const padding = pad ? cut(Buffer.alloc(pad)) : undefined;
    if (padding) yield padding;
  }
  const trailer = cut(tarTrailer);
  if (trailer) yield trailer;
}

/** A file's bytes from `from` to `size`, read in large chunks (into the ring's buffers, when there is one). */
async function* fileChunks(source: string, size: number, from: number, ring: Buffer[] | undefined, turn: { next: number }): AsyncGenerator<Buffer> {
  const handle = await open(source, 'r');
  try {
    let done = from;
    while (done < size) {
      const length = Math.min(readChunkSize, size - done);
      const buffer = ring ? ring[turn.next++ % ring.length]!.subarray(0, length) : Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, done);
      if (bytesRead === 0) break;
      done += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
    const extra = await handle.read(Buffer.alloc(1), 0, 1, done);
    if (done !== size || extra.bytesRead !== 0) {
      throw new Error(`${source} changed while it was being packed (expected ${size} bytes). Run again once it is stable.`);
    }
  } finally {
    await handle.close();
  }
}

/** Passes bytes through while hashing and counting them. */
export class HashTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/**
 * Gzip at level 1 with a fixed header: mtime 0 (Node's default) and OS "unknown" (255), since zlib
 * writes a different OS byte per platform and the digest must not depend on the machine.
 */
export function deterministicGzip(): Transform[] {
  let first = true;
  const fixHeader = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (first) {
        first = false;
        if (chunk.length < 10) return callback(new Error('gzip header split across chunks'));
        const copy = Buffer.from(chunk);
        copy[9] = 0xff;
        return callback(null, copy);
      }
      callback(null, chunk);
    },
  });
  return [createGzip({ level: 1 }), fixHeader];
}

/** A sink that drops what it gets. */
export function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

export interface LayerDigests {
  /** Digest of the blob as stored (compressed or not). */
  digest: string;
  /** Digest of the uncompressed tar (rootfs diff_id). */
  diffId: string;
  /** Size of the blob as stored. */
  size: number;
}

/**
 * The tar of the entries as parts for a hashing worker: header and padding bytes in memory, files by
 * path. Undefined when an entry is a stream (it cannot cross to a worker).
 */
export function tarHashParts(entries: readonly LayerEntry[], options: LayerOptions = {}): HashPart[] | undefined {
  const parts: HashPart[] = [];
  let pending: Buffer[] = [];
  const flush = () => {
    if (pending.length) parts.push(Buffer.concat(pending));
    pending = [];
  };
  for (const entry of entries) {
    pending.push(tarHeader({ path: entry.path, type: entry.type, mode: entry.mode, size: entry.size, mtime: options.mtime ?? 0 }));
    if (entry.type !== 'file') continue;
    if (entry.contents) pending.push(entry.contents);
    else if (entry.source) {
      flush();
      parts.push({ path: entry.source, size: entry.size });
    } else return undefined;
    pending.push(Buffer.alloc(paddingFor(entry.size)));
  }
  pending.push(tarTrailer);
  flush();
  return parts;
}

/**
 * Tars the entries once, hashing the tar (diff_id) and, with `gzip`, the compressed bytes (digest).
 * With `writeTo`, the blob is also written to that file; without it, nothing is kept.
 */
export async function digestLayer(
  entries: readonly LayerEntry[],
  options: LayerOptions & { gzip: boolean; writeTo?: string; signal?: AbortSignal; onProgress?: (done: number) => void },
): Promise<LayerDigests> {
  if (!options.gzip && !options.writeTo) {
    // Only a digest is wanted: hash in a worker thread, so several models hash on several cores.
    const parts = tarHashParts(entries, options);
    if (parts) {
      options.signal?.throwIfAborted();
      const { digest, size } = await sharedHashPool().hash(parts, options.onProgress);
      options.signal?.throwIfAborted();
      return { digest, diffId: digest, size };
    }
  }
  const raw = new HashTap();
  const stages: NodeJS.ReadWriteStream[] = [raw];
  let stored = raw;
  if (options.gzip) {
    stored = new HashTap();
    stages.push(...deterministicGzip(), stored);
  }
  const sink = options.writeTo ? createWriteStream(options.writeTo) : discard();
  const ring = options.gzip ? undefined : 6;
  const chunks = tarChunks(entries, { ...options, ring });
  const source = options.onProgress ? countingChunks(chunks, options.onProgress) : chunks;
  await pipeline([byteStream(source), ...stages, sink] as never, { signal: options.signal });
  const diffId = raw.digest();
  return { diffId, digest: options.gzip ? stored.digest() : diffId, size: stored.bytes };
}

/** A byte stream over chunks that buffers about one chunk ahead (Readable.from would hold 16). */
export function byteStream(chunks: AsyncIterable<Buffer>): Readable {
  return Readable.from(chunks, { objectMode: false, highWaterMark: readChunkSize });
}

/** Yields `chunks`, telling `onProgress` the bytes yielded so far (for progress of a big layer). */
export async function* countingChunks(chunks: AsyncIterable<Buffer>, onProgress: (done: number) => void): AsyncGenerator<Buffer> {
  let done = 0;
  for await (const chunk of chunks) {
    done += chunk.length;
    onProgress(done);
    yield chunk;
  }
}
