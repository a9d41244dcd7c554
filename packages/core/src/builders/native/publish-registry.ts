import { parseReference, pushImage } from '@uai/oci';
import type { PushResult, StepContext } from '../builder.js';
import { composeImage } from './compose.js';
import type { ImageRecords, Stamps } from './image-records.js';
import { registryInputs } from './inputs-key.js';
import { hashLayer, hashLayers, type PackedModel } from './pack.js';
import type { NativeSession } from './session.js';

export interface PublishOptions {
  /** Push even when the tag holds an image of the same inputs; trust no record of what it holds. */
  force?: boolean;
  /** What the tag holds now, asked while the model was packed (undefined: no such tag). */
  tagDigest?: Promise<string | undefined>;
  /** Blobs uploaded (or checked, or mounted) at once for this model. @default 6 */
  concurrency?: number;
  /** Push the manifest by its digest, leaving the tag where it is (`--no-tag`): see PushOptions. */
  staged?: boolean;
  /** What the model was made from (see up-to-date.ts), recorded with what its tag holds. */
  made?: Stamps;
}

/** What is known of the tag before pushing: the blobs it holds, or that it holds nothing yet. */
interface TagState {
  present?: ReadonlySet<string>;
  freshTag: boolean;
  /** The model is unchanged: this is its result, and nothing is pushed. */
  unchanged?: PushResult;
}

/**
 * Whether the model is unchanged: the tag already holds the very manifest we would push (same inputs,
 * same bytes), or an image labelled with the same inputs key (the Docker builder pushed it, or this is
 * a fresh clone). Otherwise what is known of the tag, so the push skips what it holds.
 */
async function checkTag(
  packed: PackedModel,
  session: NativeSession,
  records: ImageRecords,
  ctx: StepContext,
  tag: { current: string | undefined; made?: Stamps },
): Promise<TagState> {
  const { current } = tag;
  const { plan } = packed;
  if (!current) return { freshTag: true };
  const image = composeImage(packed.recipe, await hashLayers(packed, session, ctx));
  if (image.manifestDigest === current) {
    ctx.log('unchanged, skipped');
    records.record(plan.name, plan.imageRef, current, image.manifest, image.inputsKey, tag.made);
    return { freshTag: false, unchanged: { digest: current, skipped: true } };
  }
  // The blobs of what the tag holds, when we pushed it: a registry keeps every blob of a manifest it
  // holds, so those need neither a look nor a byte.
  const present = await records.blobsHeldBy(plan.name, plan.imageRef, current);
  // A tag we cannot read only costs the skip.
  if (!present && (await registryInputs(plan, session, ctx).catch(() => undefined))?.inputs === image.inputsKey) {
    ctx.log('unchanged (its tag holds an image of the same inputs), skipped');
    return { freshTag: false, unchanged: { digest: current, skipped: true } };
  }
  return { present, freshTag: false };
}

/**
 * Publishes a packed model to its registry: skipped when unchanged, else its blobs (those the tag's
 * image holds skipped, the base's mounted, a big one another repository holds mounted from there) and
 * the manifest last, under the model's tag. Records what the tag now holds.
 */
export async function publishToRegistry(
  packed: PackedModel,
  session: NativeSession,
  records: ImageRecords,
  ctx: StepContext,
  options: PublishOptions,
): Promise<PushResult> {
  const { plan } = packed;
  const ref = parseReference(plan.imageRef);
  const target = session.clientFor(ref.host);
  // --force asks nothing of the tag and trusts no record: every blob is looked at again.
  const state: TagState = options.force
    ? { freshTag: false }
    : await checkTag(packed, session, records, ctx, {
        current: await (options.tagDigest ?? target.manifestDigest(ref.repository, ref.tag ?? 'latest', ctx.signal)),
        made: options.made,
      });
  if (state.unchanged) return state.unchanged;
  ctx.log(options.staged ? `pushing ${plan.imageRef} by digest (the tag stays)` : `pushing to ${plan.imageRef}`);
  let inputs: string | undefined;
  const result = await pushImage({
    target,
    repository: ref.repository,
    // By digest, when staged: no tag is created or moved.
    tag: options.staged ? undefined : (ref.tag ?? 'latest'),
    base: packed.recipe.base,
    baseClient: packed.baseClient,
    layers: packed.layers,
    compose: (digests) => {
      const image = composeImage(packed.recipe, digests);
      inputs = image.inputsKey;
      return image;
    },
    concurrency: options.concurrency,
    present: state.present,
    freshTag: state.freshTag,
    // A big blob another repository of the registry holds (or is being sent) is mounted from there.
    sharing: session.blobLocations.forHost(ref.host),
    digestOf: (index) => hashLayer(packed, index, session, ctx),
    signal: ctx.signal,
    onProgress:
      ctx.progress && ((layer, done, total) => ctx.progress!({ phase: 'uploading', layer: layer === 'base' ? 'base' : packed.names[layer]!, done, total })),
  });
  await Promise.all(packed.layers.map((layer, i) => (layer.digest ? undefined : layer.remember(result.layerDigests[i]!))));
  // The record says what the tag holds: a staged manifest is not (yet) the tag's.
  if (!options.staged) records.record(plan.name, plan.imageRef, result.digest, result.manifest, inputs, options.made);
  return { digest: result.digest };
}
