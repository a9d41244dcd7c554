import { digestLayer, parseReference, prepareLayer, sha256Digest, type BaseImage, type LayerDigest, type PreparedLayer, type RegistryClient } from '@uai/oci';
import type { ModelPlan } from '../../plan/plan.js';
import { servicePort } from '../../plan/platform.js';
import type { StepContext } from '../builder.js';
import { dockerfileLabel, type ImageRecipe } from './compose.js';
import { readDockerfile } from './dockerfile-changes.js';
import { nativeFailure } from './failure.js';
import { modelLayerEntries } from './model-layers.js';
import type { NativeSession } from './session.js';

/** A model ready to publish: its recipe, and its layers (their digests known, or learnt as they are pushed). */
export interface PackedModel {
  plan: ModelPlan;
  recipe: ImageRecipe;
  layers: PreparedLayer[];
  /** Each layer's name, for progress: a big weight file's path, `weights` (the rest of modelDir), `code`, `config`. */
  names: string[];
  /** The client of the base image's registry (its layers are read from there). */
  baseClient: RegistryClient;
}

/** Reads the model's base image, once for every model built on it. */
async function readBase(plan: ModelPlan, session: NativeSession, ctx: StepContext): Promise<BaseImage> {
  try {
    ctx.log(`reading base image ${plan.baseImage}`);
    return await session.baseImage(plan.baseImage, ctx.signal);
  } catch (error) {
    throw nativeFailure(error, plan, 'build', { host: parseReference(plan.baseImage).host, baseImage: plan.baseImage }, ctx.signal);
  }
}

/**
 * Packs a model's build folder into layers (reusing the layer cache), and reads what its Dockerfile
 * asks of the image. `resolveNow` hashes an uncompressed layer no cache knows now; without it, a push
 * learns its digest on the way up and the file is read once.
 */
export async function packModel(plan: ModelPlan, session: NativeSession, ctx: StepContext, options: { resolveNow: boolean }): Promise<PackedModel> {
  // The layers need no base image: they are packed while it is read (a registry far away).
  const reading = readBase(plan, session, ctx);
  reading.catch(() => {}); // awaited below
  const host = parseReference(plan.baseImage).host;
  try {
    // A custom template (the project's or a plugin's): apply what it asks, or say it needs docker.
    const dockerfile = await readDockerfile(plan);
    const specs = await modelLayerEntries(plan);
    const layers: PreparedLayer[] = [];
    for (const spec of specs) {
      ctx.log(`packing ${spec.name} layer`);
      const packing = { gzip: spec.gzip, mtime: session.mtime, cache: session.layerCache, blobDir: session.paths.blobDir };
      layers.push(await prepareLayer(spec.entries, { ...packing, resolveNow: options.resolveNow, signal: ctx.signal }));
    }
    await session.layerCache.save();
    const base = await reading;
    const labels = {
      ...dockerfile.changes?.labels,
      'ai.uai.model': plan.name,
      'ai.uai.framework': plan.framework,
      'ai.uai.base': `${plan.baseImage}@${base.digest}`,
      [dockerfileLabel]: sha256Digest(Buffer.from(dockerfile.text)),
    };
    const recipe: ImageRecipe = {
      base,
      layers: layers.map((layer, i) => ({ size: layer.size, gzip: layer.gzip, createdBy: specs[i]!.createdBy })),
      labels,
      env: dockerfile.changes?.env ?? plan.env,
      exposedPorts: dockerfile.changes?.exposedPorts ?? [servicePort],
      created: session.mtime,
    };
    return { plan, recipe, layers, names: specs.map((spec) => spec.name), baseClient: session.clientFor(base.ref.host) };
  } catch (error) {
    // A base image that cannot be read is what to fix first (it is said as such): else what failed here.
    throw (
      (await reading.then(
        () => undefined,
        (failure: unknown) => failure,
      )) ?? nativeFailure(error, plan, 'build', { host }, ctx.signal)
    );
  }
}

/** The layers' digests, when every one is known (from the cache, or hashed). */
export function knownDigests(packed: PackedModel): LayerDigest[] | undefined {
  if (!packed.layers.every((layer) => layer.digest)) return undefined;
  return packed.layers.map((layer) => ({ digest: layer.digest!, diffId: layer.diffId ?? layer.digest! }));
}

/** The digest of one of the layers, hashing it if no cache knew it (a push would have hashed it on the way). */
export async function hashLayer(packed: PackedModel, index: number, session: NativeSession, ctx: StepContext): Promise<string> {
  const layer = packed.layers[index]!;
  if (layer.digest) return layer.digest;
  const progress = ctx.progress && ((done: number) => ctx.progress!({ phase: 'hashing', layer: packed.names[index]!, done, total: layer.size }));
  const found = await digestLayer(layer.entries, { gzip: false, mtime: session.mtime, signal: ctx.signal, onProgress: progress });
  layer.digest = found.digest;
  layer.diffId = found.diffId;
  await layer.remember(found.digest);
  return found.digest;
}

/** Every layer's digest, hashing the layers no cache knew (a push would have hashed them on the way). */
export async function hashLayers(packed: PackedModel, session: NativeSession, ctx: StepContext): Promise<LayerDigest[]> {
  for (const index of packed.layers.keys()) await hashLayer(packed, index, session, ctx);
  return knownDigests(packed)!;
}
