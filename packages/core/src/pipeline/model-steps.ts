import { assembleBuildDir, writeRenderedOnly } from '../assemble/assemble.js';
import { fileIdentity, inputsStamp } from '../assemble/inputs-stamp.js';
import { packTreeOf, type PackTreeEntry } from '../assemble/pack-tree.js';
import type { BuildResult, ImageBuilder, StepContext } from '../builders/builder.js';
import { checkInputs } from '../assemble/check-inputs.js';
import type { ModelPlan } from '../plan/plan.js';
import type { UaiPlugin } from '../plugins/plugin.js';
import { renderModel, type ModelTemplates, type RenderedFile } from '../render/render.js';
import { loadTemplates } from '../render/templates.js';

/** The steps of one model, in order. Each is a plain async function so the pipeline only sequences them. */
export const modelSteps = {
  check: (plan: ModelPlan, root: string) => checkInputs(plan, root),

  /** `templates` from `templatesOfRun`: a plugin's templates are read once a run, not once a model. */
  render: async (plan: ModelPlan, templates: (plugin: UaiPlugin) => Promise<ModelTemplates>): Promise<RenderedFile[]> =>
    renderModel(plan, await templates(plan.plugin)),

  /** What the model packs of packFilePath; refuses the links a build would refuse (--dry-run's check too). */
  walk: (plan: ModelPlan, root: string): Promise<PackTreeEntry[]> => packTreeOf(plan, root),

  /** The stamp of the model's local inputs, for the builder's skip-unchanged check (see inputsStamp). */
  stamp: (plan: ModelPlan, files: RenderedFile[], tree: PackTreeEntry[]): string =>
    inputsStamp(plan, files, tree, plan.userConfigFile ? fileIdentity(plan.userConfigFile) : undefined),

  /** The build folder, unless it holds these inputs already (`stamp`). */
  assemble: (plan: ModelPlan, root: string, files: RenderedFile[], tree: PackTreeEntry[], stamp: string) =>
    assembleBuildDir(plan, { root, files, tree, stamp }),

  writeRendered: (plan: ModelPlan, files: RenderedFile[]) => writeRenderedOnly(plan, files),

  // biome-ignore lint/suspicious/noConfusingVoidType: as ImageBuilder.build
  build: (builder: ImageBuilder, plan: ModelPlan, ctx: StepContext): Promise<BuildResult | void> => builder.build(plan, ctx),
};

/**
 * Each plugin's templates, read at its first model and kept for the run (a batch of hundreds of models
 * read the same few files hundreds of times). A new run reads them again, so an edit between runs counts.
 */
export function templatesOfRun(root: string): (plugin: UaiPlugin) => Promise<ModelTemplates> {
  const read = new Map<UaiPlugin, Promise<ModelTemplates>>();
  return (plugin) => {
    let templates = read.get(plugin);
    if (!templates) {
      templates = loadTemplates(root, plugin);
      read.set(plugin, templates);
    }
    return templates;
  };
}
