import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { jsonBytes } from '../image/digest.js';
import { byteStream, normalizeEntries, tarChunks, type LayerEntry } from '../layer/layer.js';
import { checkedChunks } from '../remote/verify.js';
import { digestHex, type ImageBlobs } from './image-blobs.js';

/** The entries of a `docker load` archive: manifest.json, the config, one file per layer. */
export function dockerArchiveEntries(image: ImageBlobs, repoTag: string): LayerEntry[] {
  const manifest = jsonBytes([
    { Config: `${digestHex(image.configDigest)}.json`, RepoTags: [repoTag], Layers: image.layers.map((layer) => `${digestHex(layer.digest)}/layer.tar`) },
  ]);
  const entries: LayerEntry[] = [
    { path: 'manifest.json', type: 'file', mode: 0o644, size: manifest.length, contents: manifest },
    { path: `${digestHex(image.configDigest)}.json`, type: 'file', mode: 0o644, size: image.config.length, contents: image.config },
  ];
  const seen = new Set<string>();
  for (const layer of image.layers) {
    if (seen.has(layer.digest)) continue;
    seen.add(layer.digest);
    // Each layer is checked against its digest as it is written; a mismatch fails the archive before it
    // is renamed into place (a base layer read from a registry was checked by `getBlob` already).
    const mismatch = (found: string) => new Error(`layer ${layer.digest} is not what its digest names (${found}); the archive was not written.`);
    entries.push({
      path: `${digestHex(layer.digest)}/layer.tar`,
      type: 'file',
      mode: 0o644,
      size: layer.size,
      open: () => checkedChunks(layer.open(), { digest: layer.digest, size: layer.size }, mismatch, { holdLast: false }),
    });
  }
  return normalizeEntries(entries);
}

/** Writes a tar that `docker load` reads (layers as stored; Docker detects gzip itself). */
export async function writeDockerArchive(file: string, image: ImageBlobs, repoTag: string, signal?: AbortSignal): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await pipeline(byteStream(tarChunks(dockerArchiveEntries(image, repoTag))), createWriteStream(temp), { signal });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
