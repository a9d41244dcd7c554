import type { ImageBuilder, StepContext } from '../builders/builder.js';
import type { ModelPlan } from '../plan/plan.js';
import { digestReference, type ModelTester } from '../smoke/tester.js';

/** How far a model's image goes after it is built: tested, pushed, tagged. */
export interface ReleaseOptions {
  /** Stage only: blobs and the manifest by digest, the tag left alone (`--no-tag`, `--atomic`). */
  noTag: boolean;
  /** Runs each model's smoke test before its tag moves (`--test`). */
  tester?: ModelTester;
  /** Moves one model's tag to a staged digest (after its test passed). */
  tag: (plan: ModelPlan, digest: string, ctx: StepContext) => Promise<void>;
}

export interface Released {
  status: 'pushed' | 'skipped' | 'staged';
  digest?: string;
}

/** Enters a step of the model (the pipeline's `enter`: cancellation between steps, the title). */
type Enter = (step: string, title: string) => void;

/**
 * After `build`: test, push and tag as the flags say, the tag last. A builder that stages (native)
 * pushes by digest, the test runs that very image from the registry, then the tag moves; one that
 * cannot (Docker) tests the image it built locally, then `docker push` moves the tag. Skipped models
 * (unchanged) are not tested again.
 */
export async function releaseModel(
  plan: ModelPlan,
  builder: ImageBuilder,
  ctx: StepContext,
  options: ReleaseOptions,
  enter: Enter,
  skippedBuild: boolean,
): Promise<Released> {
  const testing = options.tester !== undefined && plan.test !== undefined;
  if (!builder.stages) {
    if (testing && !skippedBuild) {
      enter('test', `testing ${plan.imageRef}`);
      await options.tester!.test(plan, plan.imageRef, ctx);
    }
    enter('push', `pushing ${plan.imageRef}`);
    const pushed = await builder.push(plan, ctx);
    return { status: pushed.skipped ? 'skipped' : 'pushed', digest: pushed.digest };
  }
  const staged = options.noTag || testing;
  enter('push', staged ? `pushing ${plan.imageRef} by digest` : `pushing ${plan.imageRef}`);
  const pushed = await builder.push(plan, ctx, { staged });
  if (pushed.skipped) return { status: 'skipped', digest: pushed.digest };
  if (testing) {
    enter('test', `testing ${digestReference(plan.imageRef, pushed.digest!)}`);
    await options.tester!.test(plan, digestReference(plan.imageRef, pushed.digest!), ctx);
  }
  if (options.noTag) return { status: 'staged', digest: pushed.digest };
  if (staged) {
    enter('tag', `tagging ${plan.imageRef}`);
    await options.tag(plan, pushed.digest!, ctx);
  }
  return { status: 'pushed', digest: pushed.digest };
}
