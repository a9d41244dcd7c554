import type { BlobStore } from '../cache/blob-store.js';
import type { ImageConfig } from '../image/config.js';
import {
  choosePlatform,
  formatOf,
  isIndex,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type ManifestFormat,
  type Platform,
} from '../image/media-types.js';
import { parseReference, referenceTarget, type ImageReference } from '../name/reference.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';

export interface BaseImage {
  ref: ImageReference;
  /** Digest of the image manifest (the platform's, when the tag is an index). */
  digest: string;
  /** Digest of what the reference names: the index when the tag is one, else the same as `digest`. */
  referenceDigest: string;
  format: ManifestFormat;
  manifest: ImageManifest;
  layers: Descriptor[];
  config: ImageConfig;
}

/**
 * Reads a base image's manifest (picking linux/amd64 from an index) and config from its registry. The
 * tag is always asked for (it may have moved); the config, named by its digest, comes from `store` when
 * it holds it: one round trip fewer on every build after the first.
 */
export async function resolveBaseImage(
  client: RegistryClient,
  reference: string | ImageReference,
  options: { platform?: Platform; signal?: AbortSignal; store?: BlobStore } = {},
): Promise<BaseImage> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  let response = await client.getManifest(ref.repository, referenceTarget(ref), options.signal);
  const referenceDigest = response.digest;
  if (isIndex(response.mediaType) || Array.isArray(response.json.manifests)) {
    const wanted = options.platform ?? { os: 'linux', architecture: 'amd64' };
    const chosen = choosePlatform(response.json as unknown as ImageIndex, wanted);
    if (!chosen) {
      const have = (response.json as unknown as ImageIndex).manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(', ');
      throw new RegistryError('not-found', `${ref.host}/${ref.repository} has no ${wanted.os}/${wanted.architecture} image (it has ${have}).`);
    }
    response = await client.getManifest(ref.repository, chosen.digest, options.signal);
  }
  const manifest = response.json as unknown as ImageManifest;
  if (manifest.schemaVersion !== 2 || !manifest.config || !Array.isArray(manifest.layers)) {
    throw new RegistryError(
      'other',
      `${ref.host}/${ref.repository}:${referenceTarget(ref)} is not a schema 2 or OCI image manifest (${response.mediaType || 'unknown type'}).`,
    );
  }
  const configDigest = manifest.config.digest;
  let configBytes = await options.store?.read(configDigest);
  if (!configBytes) {
    configBytes = await client.getBlobBytes(ref.repository, configDigest, options.signal);
    await options.store?.write(configDigest, configBytes).catch(() => {}); // a cache: a full disk only costs the round trip
  }
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  if ((config.rootfs?.diff_ids?.length ?? 0) !== manifest.layers.length) {
    throw new RegistryError(
      'other',
      `${ref.host}/${ref.repository}: its config lists ${config.rootfs?.diff_ids?.length ?? 0} layers, its manifest ${manifest.layers.length}.`,
    );
  }
  return { ref, digest: response.digest, referenceDigest, format: formatOf(response.mediaType), manifest, layers: manifest.layers, config };
}
