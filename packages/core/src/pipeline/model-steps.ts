import { assembleBuildDir, checkPackTree, writeRenderedOnly } from '../assemble/assemble.js';
import type { BuildResult, ImageBuilder, StepContext } from '../builders/builder.js';
import { checkInputs } from '../assemble/check-inputs.js';
import type { ModelPlan } from '../plan/plan.js';
import { renderModel, type RenderedFile } from '../render/render.js';
import { loadTemplates } from '../render/templates.js';
import { loadIgnore } from '../assemble/uaiignore.js';

/** The steps of one model, in order. Each is a plain async function so the pipeline only sequences them. */
export const modelSteps = {
  check: (plan: ModelPlan, root: string) => checkInputs(plan, root),

  render: async (plan: ModelPlan, root: string): Promise<RenderedFile[]> => renderModel(plan, await loadTemplates(root, plan.plugin)),

  assemble: async (plan: ModelPlan, root: string, files: RenderedFile[]) =>
    assembleBuildDir(plan, { root, files, ignored: await loadIgnore(plan.packDir, root) }),

  /** --dry-run's stand-in for assemble: refuses the links assemble would refuse, copying nothing. */
  checkPack: async (plan: ModelPlan, root: string) => checkPackTree(plan, { root, ignored: await loadIgnore(plan.packDir, root) }),

  writeRendered: (plan: ModelPlan, files: RenderedFile[]) => writeRenderedOnly(plan, files),

  // biome-ignore lint/suspicious/noConfusingVoidType: as ImageBuilder.build
  build: (builder: ImageBuilder, plan: ModelPlan, ctx: StepContext): Promise<BuildResult | void> => builder.build(plan, ctx),
};
