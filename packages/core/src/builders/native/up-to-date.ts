import { sha256Digest } from '@uai/oci';
import { createRequire } from 'node:module';
import type { ModelPlan } from '../../plan/plan.js';
import type { PushResult, StepContext } from '../builder.js';
import type { ImageRecords, Stamps } from './image-records.js';
import type { NativeSession } from './session.js';

/**
 * How this builder turns a model's inputs into an image. Bump it when the same inputs would make
 * another image (compose, pack, how weights split into layers): a record stamped with an older format
 * then no longer skips a model. A test in native-builder.test.ts fails when the image changes and this does not.
 */
export const imageFormat = 1;

/** This uai's version: after an upgrade every model is looked at once more, should `imageFormat` have been missed. */
const uaiVersion = (createRequire(import.meta.url)('@uai/core/package.json') as { version: string }).version;

/**
 * The stamp a record keeps of what an image was made from: the model's local inputs (see inputsStamp),
 * its base image's digest, `created` (SOURCE_DATE_EPOCH), the image format and uai's version.
 */
export function stampOf(localInputs: string, baseDigest: string, mtime: number): string {
  return sha256Digest(Buffer.from(JSON.stringify({ imageFormat, uaiVersion, localInputs, baseDigest, mtime })));
}

/**
 * Whether the model's tag holds the image its last push made from these very inputs: the record of
 * that push names this stamp, and the registry, asked with the current credentials, says the tag still
 * holds that manifest. Then nothing needs packing or sending. `made` is what to record after a push;
 * it is undefined when the base image cannot be read (the build says why).
 */
export async function upToDate(
  plan: ModelPlan,
  localInputs: string,
  tagDigest: Promise<string | undefined>,
  session: NativeSession,
  records: ImageRecords,
  ctx: StepContext,
): Promise<{ made?: Stamps; unchanged?: PushResult }> {
  const base = await session.baseImage(plan.baseImage, ctx.signal).catch(() => undefined);
  if (!base) return {};
  const made = { stamp: stampOf(localInputs, base.digest, session.mtime), local: localInputs };
  const current = await tagDigest.catch(() => undefined);
  if (!current || !(await records.madeFrom(plan.name, plan.imageRef, current, made.stamp))) return { made };
  return { made, unchanged: { digest: current, skipped: true } };
}

/**
 * The native builder's skip-unchanged check of a run's models, and what it learnt of each: the stamps to
 * record after its push, and the models that need none.
 */
export class UpToDateChecks {
  private readonly made = new Map<string, Stamps>();

  constructor(
    private readonly session: NativeSession,
    private readonly records: ImageRecords,
  ) {}

  /**
   * Whether the model is unchanged since its last push (see upToDate). One whose local inputs the
   * record does not name has changed for sure: `changed` is told at once, so its packing can start
   * while the registry is asked (`tagDigest`: what the model's tag holds).
   */
  async check(
    plan: ModelPlan,
    localInputs: string,
    ctx: StepContext,
    tagDigest: Promise<string | undefined>,
    changed: () => void,
  ): Promise<PushResult | undefined> {
    if (await this.records.changedLocally(plan.name, plan.imageRef, localInputs)) changed();
    const found = await upToDate(plan, localInputs, tagDigest, this.session, this.records, ctx);
    if (found.made) this.made.set(plan.name, found.made);
    return found.unchanged;
  }

  /** What the model was made from, to record with its push; undefined when it was not checked. */
  madeOf(model: string): Stamps | undefined {
    return this.made.get(model);
  }

  clear(): void {
    this.made.clear();
  }
}
