import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { layerKey, type LayerCache } from './layer-cache.js';
import { digestLayer, normalizeEntries, readChunkSize, tarChunks, tarSize, type LayerEntry } from './layer.js';
import type { LocalLayer } from './push-image.js';

export interface PreparedLayer extends LocalLayer {
  /** Digest of the uncompressed tar; for an uncompressed layer not hashed yet, undefined like `digest`. */
  diffId?: string;
  entries: LayerEntry[];
  key: string;
  /** Records the digest found while pushing, so the next build knows it. */
  remember: (digest: string) => Promise<void>;
}

export interface PrepareLayerOptions {
  gzip: boolean;
  mtime: number;
  cache: LayerCache;
  /** Where gzip blobs are kept (`.uai/cache/blobs/sha256`). */
  blobDir: string;
  /** Hash an uncompressed layer now even if no cache knows it (no push will hash it on the way). */
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
      remember: async () => {},
    };
  }
  const size = tarSize(normalized, packing);
  let digest = cached?.size === size ? cached.digest : undefined;
  if (!digest && options.resolveNow) {
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
    remember: (found) => options.cache.set(key, { digest: found, diffId: found, size }),
  };
}
