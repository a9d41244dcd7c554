import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { jsonBytes } from '../image/digest.js';
import { mediaTypes, type ImageManifest } from '../image/media-types.js';
import { byteStream, HashTap } from '../layer/layer.js';
import { writeFileAtomic } from '../write-atomic.js';
import { digestHex, type ImageBlobs } from './image-blobs.js';

async function writeBlob(dir: string, digest: string, size: number, open: () => AsyncIterable<Buffer>, signal?: AbortSignal): Promise<void> {
  const file = path.join(dir, 'blobs', 'sha256', digestHex(digest));
  const existing = await stat(file).catch(() => undefined);
  if (existing?.size === size) return; // content-addressed: the same name is the same bytes
  // Models sharing a base write its blobs into one layout at once: each writer has its own temp file.
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const tap = new HashTap();
  try {
    await pipeline(byteStream(open()), tap, createWriteStream(temp), { signal });
    // Checked before the blob is renamed into place: a base layer read from a registry, our own layers.
    const written = tap.digest();
    if (written !== digest || tap.bytes !== size)
      throw new Error(`blob ${digest} is not what its digest names (${tap.bytes} bytes that hash to ${written}); it was not written to ${dir}.`);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** index.json updates per layout folder, one at a time in this process (models finish together). */
const indexWrites = new Map<string, Promise<void>>();

interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** Adds `entry` to the layout's index.json (replacing an entry of the same ref name), through a temp file and a rename. */
async function addToIndex(dir: string, entry: IndexEntry): Promise<void> {
  const file = path.join(dir, 'index.json');
  let manifests: IndexEntry[] = [];
  try {
    const existing = JSON.parse(await readFile(file, 'utf8')) as { manifests?: IndexEntry[] };
    if (Array.isArray(existing.manifests)) manifests = existing.manifests;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is not a readable OCI index: ${(error as Error).message}`);
  }
  const name = entry.annotations?.[refNameAnnotation];
  manifests = manifests.filter((m) => (name === undefined ? m.digest !== entry.digest : m.annotations?.[refNameAnnotation] !== name));
  manifests.push(entry);
  await writeFileAtomic(file, jsonBytes({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests }));
}

const refNameAnnotation = 'org.opencontainers.image.ref.name';

const ociBlobTypes: ReadonlySet<string> = new Set([mediaTypes.ociConfig, mediaTypes.ociLayer, mediaTypes.ociLayerGzip, mediaTypes.ociForeignLayerGzip]);

/**
 * An OCI image layout holds OCI manifests: umoci, oci-image-tool and skopeo refuse a Docker manifest
 * (or Docker media types in an OCI one) there. The caller composes the image in the OCI family (same
 * config and layer bytes, other media types); a Docker-format image is refused before anything is written.
 */
function checkOciManifest(image: ImageBlobs): void {
  let manifest: Partial<ImageManifest>;
  try {
    manifest = JSON.parse(image.manifest.toString('utf8')) as Partial<ImageManifest>;
  } catch {
    throw new Error(`the manifest of ${image.refName} is not JSON; nothing was written.`);
  }
  const manifestTypes = [image.manifestMediaType, manifest.mediaType].map(String);
  const blobTypes = [manifest.config, ...(manifest.layers ?? [])].map((blob) => String(blob?.mediaType));
  const wrong = manifestTypes.find((type) => type !== mediaTypes.ociManifest) ?? blobTypes.find((type) => !ociBlobTypes.has(type));
  const problem = wrong
    ? `has media type ${wrong}`
    : manifest.config?.digest !== image.configDigest
      ? `names a config other than ${image.configDigest}`
      : undefined;
  if (problem)
    throw new Error(`an OCI image layout holds OCI manifests, and the one of ${image.refName} ${problem}: compose it in the OCI format; nothing was written.`);
}

/**
 * Writes (or adds to) an OCI image layout: `oci-layout`, `index.json` (merged), `blobs/sha256/*`.
 * `image.refName` is its `org.opencontainers.image.ref.name` (tools look images up by tag:
 * `skopeo inspect oci:DIR:<tag>`, `umoci unpack --image DIR:<tag>`); an entry of the same name is replaced.
 */
export async function writeOciLayout(dir: string, image: ImageBlobs, signal?: AbortSignal): Promise<void> {
  checkOciManifest(image);
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const layer of image.layers) await writeBlob(dir, layer.digest, layer.size, layer.open, signal);
  await writeBlob(
    dir,
    image.configDigest,
    image.config.length,
    async function* () {
      yield image.config;
    },
    signal,
  );
  await writeBlob(
    dir,
    image.manifestDigest,
    image.manifest.length,
    async function* () {
      yield image.manifest;
    },
    signal,
  );
  await writeFile(path.join(dir, 'oci-layout'), jsonBytes({ imageLayoutVersion: '1.0.0' }));
  const key = path.resolve(dir);
  const entry: IndexEntry = {
    mediaType: mediaTypes.ociManifest,
    digest: image.manifestDigest,
    size: image.manifest.length,
    annotations: { [refNameAnnotation]: image.refName },
  };
  const write = (indexWrites.get(key) ?? Promise.resolve()).catch(() => {}).then(() => addToIndex(dir, entry));
  indexWrites.set(key, write);
  try {
    await write;
  } finally {
    if (indexWrites.get(key) === write) indexWrites.delete(key);
  }
}
