import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { digestLayer, normalizeEntries, readChunkSize, tarChunks, tarSize, type LayerDigests, type LayerEntry } from './layer.js';

/** One of our layers, ready to push: its digest known, or to be hashed on the way up (uncompressed only). */
export interface LocalLayer {
  digest?: string;
  /** Digest of the uncompressed tar (the config's diff_id): known for a gzip layer, else like `digest`. */
  diffId?: string;
  size: number;
  gzip: boolean;
  /** Opens the blob's bytes (again, for a retry). */
  open: () => AsyncIterable<Buffer>;
  /** Opens them from a byte on, skipping what is before it unread (a resumed upload). */
  openFrom?: (start: number) => AsyncIterable<Buffer>;
}

/**
 * What identifies a layer without reading its files: every entry's path, mode and size, each file's
 * (path on disk, mtime, inode) or contents hash, and how it is packed. An unchanged weights folder maps
 * to its known digest, so it is not hashed again.
 */
export function layerKey(entries: readonly LayerEntry[], packing: { gzip: boolean; mtime: number }): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ v: 1, ...packing }));
  for (const entry of entries) {
    const origin = entry.contents
      ? createHash('sha256').update(entry.contents).digest('hex')
      : entry.source && entry.stat
        ? `${entry.source}|${entry.stat.mtimeNs}|${entry.stat.ino}`
        : undefined;
    if (entry.type === 'file' && !origin) return ''; // cannot be keyed: always rebuilt
    hash.update(`\0${entry.path}\0${entry.type}\0${entry.mode}\0${entry.size}\0${origin ?? ''}`);
  }
  return hash.digest('hex');
}

/** Where a layer's digests are looked up and recorded by its key: the `LayerCache` of `.uai/cache`. */
export interface LayerDigestCache {
  get(key: string): Promise<LayerDigests | undefined>;
  set(key: string, value: LayerDigests): Promise<void>;
}

export interface PreparedLayer extends LocalLayer {
  entries: LayerEntry[];
  key: string;
  /** Records the digest found while pushing, so the next build knows it. */
  remember: (digest: string) => Promise<void>;
}

/**
 * An uncompressed layer up to this size is hashed when packed even when a push could hash it on the way:
 * reading it twice costs 5-60 ms, and a known digest saves the round trips of a streamed upload (a PATCH
 * before the closing PUT, and the image config waiting for the digest): 3 or more, 150 ms 50 ms away.
 */
const hashNowBytes = 16 * 1024 * 1024;

export interface PrepareLayerOptions {
  gzip: boolean;
  mtime: number;
  cache: LayerDigestCache;
  /** Where gzip blobs are kept (`.uai/cache/blobs/sha256`). */
  blobDir: string;
  /** Hash an uncompressed layer now even if no cache knows it and it is over `hashNowBytes` (no push will hash it on the way). */
  resolveNow: boolean;
  signal?: AbortSignal;
}

/**
 * Makes a layer ready to push or write. Small layers are gzipped (level 1) into the blob store once;
 * an uncompressed one is never copied: its bytes are produced from the files each time they are read,
 * and its digest comes from the cache, a hashing pass, or the upload itself.
 */
export async function prepareLayer(entries: readonly LayerEntry[], options: PrepareLayerOptions): Promise<PreparedLayer> {
  const normalized = normalizeEntries(entries);
  const packing = { gzip: options.gzip, mtime: options.mtime };
  const key = layerKey(normalized, packing);
  const cached = await options.cache.get(key);
  if (options.gzip) {
    let found = cached;
    const fileOf = (digest: string) => path.join(options.blobDir, digest.replace(/^sha256:/, ''));
    if (!found || (await stat(fileOf(found.digest)).catch(() => undefined))?.size !== found.size) {
      await mkdir(options.blobDir, { recursive: true });
      const temp = path.join(options.blobDir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
      try {
        const digests = await digestLayer(normalized, { ...packing, writeTo: temp, signal: options.signal });
        await rename(temp, fileOf(digests.digest));
        found = digests;
      } finally {
        await rm(temp, { force: true });
      }
      await options.cache.set(key, found);
    }
    const file = fileOf(found.digest);
    return {
      ...found,
      gzip: true,
      entries: normalized,
      key,
      open: () => createReadStream(file, { highWaterMark: readChunkSize }),
      openFrom: (start) => createReadStream(file, { highWaterMark: readChunkSize, start }),
      remember: async () => {},
    };
  }
  const size = tarSize(normalized, packing);
  let digest = cached?.size === size ? cached.digest : undefined;
  if (!digest && (options.resolveNow || size <= hashNowBytes)) {
    digest = (await digestLayer(normalized, { ...packing, signal: options.signal })).digest;
    await options.cache.set(key, { digest, diffId: digest, size });
  }
  return {
    digest,
    diffId: digest,
    size,
    gzip: false,
    entries: normalized,
    key,
    // Read by a hash, a socket or a file write, each done with a chunk soon: a fixed ring of buffers.
    open: () => tarChunks(normalized, { ...packing, ring: 6 }),
    openFrom: (start) => tarChunks(normalized, { ...packing, ring: 6, start }),
    remember: (found) => options.cache.set(key, { digest: found, diffId: found, size }),
  };
}
