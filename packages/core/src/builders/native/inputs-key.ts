import { parseReference, RegistryError, resolveBaseImage } from '@uai/oci';
import type { ModelPlan } from '../../plan/plan.js';
import type { StepContext } from '../builder.js';
import { composeImage, inputsLabel } from './compose.js';
import { nativeFailure } from './failure.js';
import { hashLayers, packModel } from './pack.js';
import type { NativeSession } from './session.js';

/**
 * A model's inputs key: the digest of the image config it would be built with (its files, rendered
 * templates, options and base image digest), without the `ai.uai.inputs` label that carries it. Both
 * builders label their images with it, so a later run of either skips a model the registry holds
 * from the same inputs.
 */
export async function inputsKey(plan: ModelPlan, session: NativeSession, ctx: StepContext): Promise<string> {
  const packed = await packModel(plan, session, ctx, { resolveNow: true });
  return composeImage(packed.recipe, await hashLayers(packed, session, ctx)).inputsKey;
}

/**
 * The image the model's tag holds, read with the current credentials: the tag's digest (an index's,
 * when Docker pushed one: what `docker push` reported) and its `ai.uai.inputs` label; undefined when
 * there is no such image.
 */
export async function registryInputs(plan: ModelPlan, session: NativeSession, ctx: StepContext): Promise<{ digest: string; inputs?: string } | undefined> {
  const ref = parseReference(plan.imageRef);
  try {
    const image = await resolveBaseImage(session.clientFor(ref.host), ref, { signal: ctx.signal });
    return { digest: image.referenceDigest, inputs: image.config.config?.Labels?.[inputsLabel] };
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'not-found') return undefined;
    throw nativeFailure(error, plan, 'push', { host: ref.host }, ctx.signal);
  }
}
