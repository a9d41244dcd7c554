import type { BlobSharing } from '../cache/blob-locations.js';
import { sha256Digest } from '../image/digest.js';
import type { LocalLayer } from '../layer/prepare-layer.js';
import type { RegistryClient } from './client.js';
import type { BaseImage } from './read-image.js';
import type { PushBlobResult } from './uploads.js';

export interface PushImageOptions {
  target: RegistryClient;
  repository: string;
  /** The tag the manifest goes under; none: the manifest is put by its own digest, no tag created or moved. */
  tag?: string;
  base: BaseImage;
  /** The client of the base's registry, when it is another host than the target. */
  baseClient?: RegistryClient;
  layers: readonly LocalLayer[];
  /**
   * The image's config and manifest once every layer's digest is known: the caller describes its image
   * in one place, and this pushes what it says.
   */
  compose: (layerDigests: readonly LayerDigest[]) => ComposedImage;
  concurrency?: number;
  /**
   * Blobs the repository is known to hold: those of the manifest its tag holds now (a registry keeps
   * every blob of a manifest it holds). Neither checked nor sent; and with this knowledge, other blobs
   * up to `uploadWithoutAskingBytes` are taken to be new and sent without a HEAD first.
   */
  present?: ReadonlySet<string>;
  /**
   * The tag holds no manifest: a first push there. Our small blobs are then almost surely new too, and
   * go up without a HEAD first, as with `present`.
   */
  freshTag?: boolean;
  /**
   * The other repositories of the target registry that may hold our layers: a layer over
   * `uploadWithoutAskingBytes` goes through it, and is mounted from one that holds it (after a push of
   * this run sending it there is done) instead of uploaded. See `BlobLocations`.
   */
  sharing?: BlobSharing;
  /** Hashes one of our layers of unknown digest (its index in `layers`), when `sharing` needs its digest first. */
  digestOf?: (index: number) => Promise<string>;
  signal?: AbortSignal;
  /**
   * Bytes of a blob's upload handed to the connection so far: one of our layers (its index in `layers`)
   * or a base layer the registry would not mount. A retried upload starts again from 0.
   */
  onProgress?: (layer: number | 'base', sent: number, total: number) => void;
}

/** A layer's digest as stored, and its uncompressed tar's (the config's diff_id). */
export interface LayerDigest {
  digest: string;
  diffId: string;
}

/** An image's config and manifest, as bytes to push. */
export interface ComposedImage {
  config: Buffer;
  manifest: Buffer;
  manifestMediaType: string;
}

export interface PushImageResult {
  digest: string;
  /** The manifest and config pushed (as `compose` made them). */
  manifest: Buffer;
  config: Buffer;
  layerDigests: string[];
  /** Bytes sent for blobs (0 when the registry had all of them). */
  bytesUploaded: number;
}

/**
 * With `present` known (a rebuild of a tag we pushed) or a fresh tag, a blob up to this size that is
 * not held goes up without asking first whether the registry has it: it is almost surely new (the
 * code, the image config), and a HEAD would cost as much as the upload. Bigger ones, and all when
 * nothing is known of the tag (`--force`, a tag another tool moved), are asked for.
 */
export const uploadWithoutAskingBytes = 1024 * 1024;

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

async function* streamOf(open: () => Promise<AsyncIterable<Buffer>>): AsyncGenerator<Buffer> {
  for await (const chunk of await open()) yield chunk as Buffer;
}

/**
 * Pushes an image: the base's layers (already there, mounted from the base's repository, or copied),
 * our layers (skipped when the registry has them, mounted when another repository has them and
 * `sharing` knows it), the config, and the manifest last, so a tag never points at an image whose
 * blobs are missing.
 */
export async function pushImage(options: PushImageOptions): Promise<PushImageResult> {
  const { target, repository, base, signal } = options;
  // Most of an image's blobs are small or already there (a HEAD, a mount): six at once keeps them off
  // the critical path; the agent holds 8 connections per registry.
  const limit = options.concurrency ?? 6;
  let bytesUploaded = 0;
  const sameRegistry = !options.baseClient || options.baseClient === target;
  const present: ReadonlySet<string> = options.present ?? new Set();
  /** Whether to HEAD a blob of ours before sending it (see `uploadWithoutAskingBytes`). */
  const askFirst = (size: number) => !(options.present || options.freshTag) || size > uploadWithoutAskingBytes;
  // Foreign (non-distributable) layers stay where their URLs say; registries do not take them.
  const baseLayers = base.layers.filter((layer) => !/foreign|nondistributable/.test(layer.mediaType) && !present.has(layer.digest));
  const baseTasks = baseLayers.map((layer) => async () => {
    const source = sameRegistry ? target : options.baseClient!;
    // A layer the registry will not mount is copied from the base's registry, and its bytes checked
    // three times before it is committed: `getBlob` hashes them as they flow and fails before its last
    // chunk (so the PUT carrying them never completes), a chunked upload compares its own hash with the
    // digest before its closing PUT (uploads.ts), and the registry checks the PUT's `?digest=`.
    const result = await target.pushBlob(
      repository,
      {
        digest: layer.digest,
        size: layer.size,
        open: () => streamOf(() => source.getBlob(base.ref.repository, layer.digest, signal, layer.size)),
        onProgress: options.onProgress && ((sent) => options.onProgress!('base', sent, layer.size)),
      },
      // On the same registry a mount, with a HEAD only if the registry refuses it (pushBlob): the layer may be GBs.
      { mountFrom: sameRegistry ? base.ref.repository : undefined, signal },
    );
    if (result.uploaded) bytesUploaded += layer.size;
  });
  // A gzip layer's diff_id is known from building it; an uncompressed one's is its digest.
  const digestsOf = (layer: LocalLayer, digest: string): LayerDigest => ({ digest, diffId: layer.gzip ? layer.diffId! : digest });
  const ourDigests: LayerDigest[] = [];
  const ourTasks = options.layers.map((layer, index) => async () => {
    if (layer.digest && present.has(layer.digest)) {
      ourDigests[index] = digestsOf(layer, layer.digest);
      return;
    }
    const send = async (mountFrom: string | undefined, digest: string | undefined): Promise<PushBlobResult> => {
      // Hashed first (to share it) and found in the tag's manifest after all.
      if (digest && present.has(digest)) return { digest, uploaded: false, mounted: false };
      const blob = {
        digest,
        size: layer.size,
        open: layer.open,
        openFrom: layer.openFrom,
        onProgress: options.onProgress && ((sent: number) => options.onProgress!(index, sent, layer.size)),
      };
      return target.pushBlob(repository, blob, {
        mountFrom,
        signal,
        skipExisting: askFirst(layer.size),
        probablyNew: options.freshTag,
      });
    };
    const { sharing, digestOf } = options;
    const result =
      sharing && layer.size > uploadWithoutAskingBytes
        ? await sharing.share(repository, { digest: layer.digest, size: layer.size, digestOf: digestOf && (() => digestOf(index)), signal }, send)
        : await send(undefined, layer.digest);
    if (result.uploaded) bytesUploaded += layer.size;
    ourDigests[index] = digestsOf(layer, result.digest);
  });
  const pushConfig = async (config: Buffer) => {
    const digest = sha256Digest(config);
    if (present.has(digest)) return;
    await target.pushBlob(
      repository,
      {
        digest,
        size: config.length,
        open: async function* () {
          yield config;
        },
      },
      { signal, skipExisting: askFirst(config.length) },
    );
  };
  // With every layer digest known already (a rebuild: the cache knows the weights), the config is known
  // too and goes up alongside the layers, not after them: three round trips fewer on a small push.
  const early = options.layers.every((layer) => layer.digest) ? options.compose(options.layers.map((layer) => digestsOf(layer, layer.digest!))) : undefined;
  // Big layers first: they set the pace.
  const tasks = [...baseTasks, ...ourTasks, ...(early ? [() => pushConfig(early.config)] : [])];
  const sizes = [...baseLayers.map((l) => l.size), ...options.layers.map((l) => l.size), ...(early ? [early.config.length] : [])];
  const order = tasks.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]!);
  await mapLimit(order, limit, (i) => tasks[i]!());

  const image = early ?? options.compose(ourDigests);
  if (!early) await pushConfig(image.config);
  const digest = await target.putManifest(repository, options.tag ?? sha256Digest(image.manifest), image.manifest, image.manifestMediaType, signal);
  return { digest, manifest: image.manifest, config: image.config, layerDigests: ourDigests.map((d) => d.digest), bytesUploaded };
}
