import path from 'node:path';
import { ConfigError, UaiError } from '../errors/uai-error.js';
import { loadConfigFile, type ConfigEnv } from '../config/load.js';
import { planBuild, type ModelPlan } from './plan.js';
import type { BuiltinPlugins, PluginRegistry } from '../plugins/registry.js';
import { resolvePlugins } from '../plugins/resolve.js';
import { validateConfig, type ResolvedConfig } from '../config/validate.js';

export interface PrepareOptions {
  cwd?: string;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Only these models (`--model`). */
  models?: readonly string[];
  command?: ConfigEnv['command'];
  /** Where built-in plugins are found when the project has not installed them (the CLI's folder). */
  fallbackFrom?: string;
  /**
   * A config made in memory (`uai packdocker`) instead of a file: `path` is where it would live, so
   * relative paths and `.uai/` start from its folder.
   */
  inline?: { path: string; config: unknown };
  /** The packages of the built-in frameworks (the CLI's table, see BuiltinPlugins). */
  builtin?: BuiltinPlugins;
}

export interface PreparedRun {
  /** Things the user should know before the build starts (a stale lock). */
  warnings: string[];
  configPath: string;
  root: string;
  config: ResolvedConfig;
  plugins: PluginRegistry;
  plans: ModelPlan[];
}

/** Frameworks a raw config names, read without trusting its shape. */
function frameworksOf(raw: unknown): string[] {
  const models = (raw as { models?: unknown })?.models;
  if (!Array.isArray(models)) return [];
  return models.map((model) => (model as { framework?: unknown })?.framework).filter((framework): framework is string => typeof framework === 'string');
}

/**
 * Load, resolve plugins, validate and plan: everything before the first effect on an image. Base images
 * are as the catalog names them; `uai build` then pins them to `uai.lock.json` (lock/pin.ts).
 */
export async function prepareRun(options: PrepareOptions = {}): Promise<PreparedRun> {
  const cwd = options.cwd ?? process.cwd();
  const loaded =
    options.inline ??
    (await loadConfigFile({
      cwd,
      configFile: options.configFile,
      env: { command: options.command ?? 'build', mode: 'production' },
    }));
  if (!loaded) {
    throw new UaiError('UAI_CONFIG_NOT_FOUND', `No uai config found in ${cwd}. Create uai.config.ts (see the README), or pass --config PATH.`);
  }
  const root = path.dirname(loaded.path);
  const raw = loaded.config as { plugins?: unknown };
  const plugins = await resolvePlugins({
    projectDir: root,
    configured: Array.isArray(raw?.plugins) ? raw.plugins : [],
    frameworks: frameworksOf(raw),
    fallbackFrom: options.fallbackFrom,
    builtin: options.builtin,
  });
  const { config, issues } = validateConfig(loaded.config, plugins);
  if (!config) throw new ConfigError(issues, path.relative(cwd, loaded.path) || loaded.path);

  const planned = planBuild(config, { root, env: options.env ?? process.env });
  if (planned.issues.length > 0) throw new ConfigError(planned.issues, path.relative(cwd, loaded.path) || loaded.path);

  let plans = planned.plans;
  if (options.models && options.models.length > 0) {
    const unknown = options.models.filter((name) => !plans.some((plan) => plan.name === name));
    if (unknown.length > 0) {
      throw new UaiError('UAI_USAGE', `--model ${unknown.join(', ')}: no such model. Models in the config: ${plans.map((plan) => plan.name).join(', ')}.`);
    }
    plans = plans.filter((plan) => options.models!.includes(plan.name));
  }
  return { configPath: loaded.path, root, config, plugins, plans, warnings: [] };
}
