import type { ModelPlan } from '../plan/plan.js';
import type { BuildResult, ImageBuilder, PushResult, RegistryCredentials, StepContext } from './builder.js';
import { inputsLabel } from './native/compose.js';
import { inputsKey, registryInputs } from './native/inputs-key.js';
import type { NativeSession } from './native/session.js';

/**
 * Skip-unchanged for the Docker builder. Each model's inputs key (its layers, config and base digest,
 * hashed with the layer cache: `inputsKey`, as the native builder computes it) is compared with the key
 * the registry's image carries; a match skips `docker build` and `docker push`, otherwise the image is
 * built with the key as a label so the next run can skip it. A key that cannot be had only costs the skip.
 */
export function skipUnchanged(inner: ImageBuilder, session: NativeSession, options: { force?: boolean } = {}): ImageBuilder {
  /** Skipped models, with the digest of the image their tag holds (what a push would have reported). */
  const skipped = new Map<string, string>();

  async function keyOf(plan: ModelPlan, ctx: StepContext): Promise<{ key?: string; unchanged?: { digest: string } }> {
    try {
      ctx.log('checking whether the inputs changed since the last push');
      // Packing only to hash: its "packing ... layer" lines would read as a build.
      const key = await inputsKey(plan, session, { ...ctx, log: () => {} });
      if (options.force) return { key };
      const held = await registryInputs(plan, session, ctx);
      return { key, unchanged: held?.inputs === key ? held : undefined };
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      ctx.log(`could not tell whether it changed (${(error as Error).message.split('\n')[0]}); building it`);
      return {};
    }
  }

  return {
    name: inner.name,
    stages: inner.stages,

    async prepare(credentials: readonly RegistryCredentials[], ctx: StepContext, plans?: readonly ModelPlan[]): Promise<void> {
      await inner.prepare(credentials, ctx, plans);
      session.useCredentials(credentials);
      for (const plan of plans ?? []) session.baseImage(plan.baseImage, ctx.signal).catch(() => {});
      await session.login(credentials, ctx.signal).catch(() => undefined);
    },

    // biome-ignore lint/suspicious/noConfusingVoidType: as ImageBuilder.build
    async build(plan: ModelPlan, ctx: StepContext): Promise<BuildResult | void> {
      const { key, unchanged } = await keyOf(plan, ctx);
      if (unchanged) {
        skipped.set(plan.name, unchanged.digest);
        ctx.log('unchanged, skipped');
        return { skipped: true };
      }
      return inner.build(key ? { ...plan, labels: { ...plan.labels, [inputsLabel]: key } } : plan, ctx);
    },

    async push(plan: ModelPlan, ctx: StepContext): Promise<PushResult> {
      const digest = skipped.get(plan.name);
      if (digest) return { skipped: true, digest };
      return inner.push(plan, ctx);
    },

    async dispose(): Promise<void> {
      await Promise.all([inner.dispose(), session.dispose()]);
    },
  };
}
