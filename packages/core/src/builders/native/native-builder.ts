import os from 'node:os';
import { parseReference } from '@uai/oci';
import { UaiError } from '../../errors/uai-error.js';
import type { ModelPlan } from '../../plan/plan.js';
import type { ImageBuilder, PushOptions, PushResult, RegistryCredentials, StepContext } from '../builder.js';
import { composeImage } from './compose.js';
import { nativeFailure } from './failure.js';
import { ImageRecords } from './image-records.js';
import { moveTags } from './move-tags.js';
import { hashLayers, packModel, type PackedModel } from './pack.js';
import { outputPublisher, type Publisher } from './publish-layout.js';
import { publishToRegistry } from './publish-registry.js';
import { NativeSession, type NativeSessionOptions } from './session.js';
import { TagDigests } from './tag-digests.js';
import { UpToDateChecks } from './up-to-date.js';

export interface NativeBuilderOptions extends Omit<NativeSessionOptions, 'env'> {
  env?: NodeJS.ProcessEnv;
  /**
   * Where the image also goes: `oci:<dir>` (an OCI image layout) or `docker-archive:<file>` (for
   * `docker load`). Relative paths start at the project root. @default none
   */
  output?: string;
  /** Push even when the registry's image was made from the same inputs. @default false */
  force?: boolean;
  /** Blobs uploaded (or checked, or mounted) at once per model. @default 6 */
  concurrency?: number;
}

/**
 * Models the native builder keeps in flight by default: four per core, at most 16. Its models mostly wait
 * on the registry (uploads are limited per registry by upload slots, hashing by the hash pool), so more
 * than one per core overlaps those waits: a no-op of 200 models took 2.17 s with 2 in flight, 1.74 s with
 * 8, on the 2-core bench machine.
 */
function nativeConcurrency(): number {
  return Math.min(16, 4 * os.availableParallelism());
}

/**
 * Builds and pushes without a Docker engine: reads the base image from its registry, packs the model's
 * layers (each file of modelDir of 64 MiB or more a layer of its own, then the rest of modelDir, the
 * code and the config), composes the image (ENV, EXPOSE, CMD, labels) and publishes it: to its
 * registry over the distribution API (blobs, then the manifest), and to the `--output` file or folder.
 *
 * The steps, each a module of this folder: session (clients, caches, base images) -> pack (layers and
 * the image's recipe) -> compose (config and manifest, pure) -> publish-registry / publish-layout.
 */
export function nativeBuilder(options: NativeBuilderOptions): ImageBuilder {
  const session = new NativeSession({ ...options, env: options.env ?? process.env });
  const records = new ImageRecords(session.paths.imagesFile);
  const pushing = options.push !== false;
  const publishers: Publisher[] = options.output ? [outputPublisher(options.output, options.root)] : [];
  /** Each model's packing, started by build, or earlier by the skip-unchanged check of a model that changed. */
  const packing = new Map<string, Promise<PackedModel>>();
  const tagDigests = new TagDigests(session);
  const checks = new UpToDateChecks(session, records);

  /** The model packed (once): without a push, or for an --output, every digest is needed now; a push learns the weights' on the way up. */
  function pack(plan: ModelPlan, ctx: StepContext): Promise<PackedModel> {
    let model = packing.get(plan.name);
    if (!model) {
      model = packModel(plan, session, ctx, { resolveNow: !pushing || publishers.length > 0 });
      model.catch(() => {}); // reported by build, which awaits it
      packing.set(plan.name, model);
    }
    return model;
  }

  async function publishOutputs(model: PackedModel, ctx: StepContext): Promise<void> {
    if (publishers.length === 0) return;
    try {
      const image = composeImage(model.recipe, await hashLayers(model, session, ctx));
      for (const publisher of publishers) await publisher.publish(model, image, ctx);
    } catch (error) {
      throw nativeFailure(error, model.plan, 'build', { host: model.recipe.base.ref.host }, ctx.signal);
    }
  }

  return {
    name: 'native',
    stages: true,
    concurrency: nativeConcurrency(),

    async prepare(credentials: readonly RegistryCredentials[], ctx: StepContext, plans: readonly ModelPlan[] = []): Promise<void> {
      session.log = ctx.log;
      session.useCredentials(credentials);
      // Read the base images while the models check, render and assemble, and while we log in: off each
      // build's critical path. A failure is reported by the model that awaits it, in build.
      for (const plan of plans) session.baseImage(plan.baseImage, ctx.signal).catch(() => {});
      // What each model's tag holds, asked for all of them at once: each model then finds its answer waiting.
      const asking = pushing && !options.force ? plans : [];
      await tagDigests.askAround(() => session.login(credentials, ctx.signal), asking, ctx.signal);
    },

    async upToDate(plan: ModelPlan, localInputs: string, ctx: StepContext): Promise<PushResult | undefined> {
      // --output writes files whatever the registry holds; --force pushes whatever the record says.
      if (!pushing || options.force || publishers.length > 0) return undefined;
      // A model that changed is packed while the registry is asked (far away, round trips of local work saved).
      return checks.check(plan, localInputs, ctx, tagDigests.of(plan, ctx.signal), () => void pack(plan, ctx));
    },

    async build(plan: ModelPlan, ctx: StepContext): Promise<void> {
      if (pushing && !options.force) tagDigests.ask(plan, ctx.signal);
      await publishOutputs(await pack(plan, ctx), ctx);
    },

    async push(plan: ModelPlan, ctx: StepContext, pushOptions: PushOptions = {}): Promise<PushResult> {
      const model = await packing.get(plan.name);
      if (!model) throw new UaiError('UAI_PUSH_FAILED', `${plan.name} was not built before push.`, { model: plan.name, step: 'push' });
      try {
        return await publishToRegistry(model, session, records, ctx, {
          force: options.force,
          tagDigest: options.force ? undefined : tagDigests.of(plan, ctx.signal),
          concurrency: options.concurrency,
          staged: pushOptions.staged,
          made: checks.madeOf(plan.name),
        });
      } catch (error) {
        throw nativeFailure(error, plan, 'push', { host: parseReference(plan.imageRef).host }, ctx.signal);
      } finally {
        await session.layerCache.save();
      }
    },

    publish: (moves, ctx) => moveTags(moves, session, ctx.signal, ctx.log),

    async dispose(): Promise<void> {
      await records.save();
      await session.dispose();
      packing.clear();
      tagDigests.clear();
      checks.clear();
    },
  };
}
