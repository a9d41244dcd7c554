import type { ConfigIssue } from '../errors/uai-error.js';
import { planBuild, type ModelPlan } from '../plan/plan.js';
import type { UaiPlugin } from '../plugins/plugin.js';
import { PluginRegistry } from '../plugins/registry.js';
import type { RenderedFile } from './render.js';
import { renderModel } from './render.js';
import { loadTemplates } from './templates.js';
import { validateConfig } from '../config/validate.js';

export interface Preview {
  issues: ConfigIssue[];
  plan?: ModelPlan;
  files?: RenderedFile[];
  /** The rendered service config, parsed. */
  serviceConfig?: unknown;
  dockerfile?: string;
}

/**
 * Validates, plans and renders one model with one plugin, touching no registry: what a plugin's
 * tests (ours and third parties') need to check its config section, file list and base image.
 */
export async function previewModel(
  plugin: UaiPlugin,
  model: Record<string, unknown>,
  options: { root?: string; registry?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
): Promise<Preview> {
  const root = options.root ?? process.cwd();
  const raw = {
    registry: { namespace: 'uai_test', ...options.registry },
    models: [{ name: 'model', packFilePath: 'code', image: 'test-image:v1', ...model }],
  };
  const { config, issues } = validateConfig(raw, new PluginRegistry([plugin]));
  if (!config) return { issues };
  const planned = planBuild(config, { root, env: options.env ?? {} });
  if (planned.issues.length > 0) return { issues: planned.issues };
  const plan = planned.plans[0];
  const files = renderModel(plan, await loadTemplates(root, plugin));
  const config_ = files.find((file) => file.path === plan.configName);
  return {
    issues: [],
    plan,
    files,
    serviceConfig: config_ ? JSON.parse(config_.contents) : undefined,
    dockerfile: files.find((file) => file.path.endsWith('Dockerfile'))?.contents,
  };
}
