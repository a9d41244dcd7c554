import path from 'node:path';
import { projectPaths } from './paths.js';
import { appDir, generatedConfigName } from './platform.js';
import { chooseBaseImage } from '../plugins/catalog.js';
import { UaiError, type ConfigIssue } from '../errors/uai-error.js';
import { quoteValue } from '../errors/format.js';
import { hostPattern } from '../config/identifiers.js';
import type { RegistryConfig } from '../config/schema.js';
import type { FileRequirement, PluginModel, UaiPlugin } from '../plugins/plugin.js';
import type { ResolvedConfig, ResolvedModel } from '../config/validate.js';

/** A model's smoke test, its request file resolved (see config/test-schema.ts). */
export interface ModelTest {
  /** Absolute path of the file sent as the body of POST /service. */
  requestFile: string;
  contentType: string;
  expect: { status?: number; bodyContains?: string; json?: unknown };
  timeoutMs: number;
}

export interface EnvVar {
  name: string;
  value: string;
}

/** Everything needed to build one model, computed without touching the disk. */
export interface ModelPlan {
  name: string;
  framework: string;
  plugin: UaiPlugin;
  model: PluginModel;
  /** The registry host images are pushed to (and catalog bases pulled from). */
  registryHost: string;
  /** `<host>/<namespace>/<image>`. */
  imageRef: string;
  baseImage: string;
  /** Absolute folder packed at `appDir`. */
  packDir: string;
  /** `.uai/build/<name>` under the project. */
  buildDir: string;
  env: EnvVar[];
  /** File name of the service config in `appDir`. */
  configName: string;
  /** The generated service config, or null when the user supplies one (`userConfigFile`). */
  serviceConfig: Record<string, unknown> | null;
  /** Absolute path of a user-supplied config file (self-defined). */
  userConfigFile?: string;
  modelFiles: FileRequirement[];
  /** Its smoke test (`test:`), when it has one. */
  test?: ModelTest;
  /** More image labels, set by the run (the `ai.uai.inputs` key of skip-unchanged). */
  labels?: Record<string, string>;
}

export interface PlanOptions {
  /** The config file's folder: every relative path starts here. */
  root: string;
  env?: NodeJS.ProcessEnv;
}

/** The host a run pushes to: `UAI_REGISTRY_HOST`/`UAI_REGISTRY_INTERNAL_HOST` override the config. */
export function effectiveRegistry(registry: RegistryConfig, env: NodeJS.ProcessEnv = {}): RegistryConfig & { pushHost: string } {
  const host = env.UAI_REGISTRY_HOST || registry.host;
  const internalHost = env.UAI_REGISTRY_INTERNAL_HOST || registry.internalHost;
  return { ...registry, host, internalHost, pushHost: registry.inUhost ? internalHost : host };
}

/** Registry hosts given in the environment must be hosts: they end up in `FROM` and in argv. */
export function registryEnvIssues(env: NodeJS.ProcessEnv = {}): ConfigIssue[] {
  return (['UAI_REGISTRY_HOST', 'UAI_REGISTRY_INTERNAL_HOST'] as const)
    .filter((name) => env[name] && !hostPattern.test(env[name]!))
    .map((name) => ({
      path: `env ${name}`,
      message: `${quoteValue(env[name])} is not a registry host like uhub.ucloud.cn or 127.0.0.1:5000. Fix or unset it.`,
    }));
}

/** Calls a plugin hook; what it throws names the plugin, the hook and the model. */
export function callHook<T>(plugin: UaiPlugin, hook: string, model: PluginModel, call: () => T): T {
  try {
    return call();
  } catch (cause) {
    throw new UaiError(
      'UAI_PLUGIN_HOOK_FAILED',
      `Plugin ${plugin.name} failed in ${hook}() for model ${model.name}: ${(cause as Error)?.message ?? String(cause)}. This is a bug in the plugin; report it to its authors.`,
      { cause, plugin: plugin.name, model: model.name },
    );
  }
}

/** The service config every framework shares, with the framework's section. */
export function serviceConfigFor(model: PluginModel, plugin: UaiPlugin): Record<string, unknown> | null {
  const section = callHook(plugin, 'serviceConfig', model, () => plugin.serviceConfig(model));
  if (section === null) return null;
  return {
    http_server: {
      exec: { main_file: model.mainModule, main_class: model.mainClass },
      [section.key]: section.section,
    },
  };
}

function planModel(model: ResolvedModel, config: ResolvedConfig, options: PlanOptions): ModelPlan | ConfigIssue {
  const registry = effectiveRegistry(config.registry, options.env);
  const { plugin, test, ...pluginModel } = model;
  let baseImage = model.baseImage;
  if (!baseImage) {
    const choice = chooseBaseImage(plugin, model);
    if (!choice.ok) return { path: choice.key, message: choice.message };
    baseImage = `${registry.pushHost}/${choice.entry.image}`;
  }
  const userConfig = callHook(plugin, 'userConfigFile', pluginModel, () => plugin.userConfigFile?.(pluginModel));
  const configName = userConfig ? path.posix.basename(userConfig) : generatedConfigName;
  const env: EnvVar[] = [
    { name: 'UAI_SERVICE_CONFIG', value: `${appDir}/${configName}` },
    ...Object.entries(callHook(plugin, 'env', pluginModel, () => plugin.env?.(pluginModel)) ?? {}).map(([name, value]) => ({
      name,
      value: String(value),
    })),
  ];
  return {
    name: model.name,
    framework: model.framework,
    plugin,
    model: pluginModel,
    registryHost: registry.pushHost,
    imageRef: `${registry.pushHost}/${config.registry.namespace}/${model.image}`,
    baseImage,
    packDir: path.resolve(options.root, model.packFilePath),
    buildDir: projectPaths(options.root).buildDir(model.name),
    env,
    configName,
    serviceConfig: userConfig ? null : serviceConfigFor(pluginModel, plugin),
    userConfigFile: userConfig ? path.resolve(options.root, userConfig) : undefined,
    modelFiles: callHook(plugin, 'modelFiles', pluginModel, () => plugin.modelFiles(pluginModel)),
    ...(test
      ? { test: { requestFile: path.resolve(options.root, test.request), contentType: test.contentType, expect: test.expect, timeoutMs: test.timeoutMs } }
      : {}),
  };
}

/** Turns a validated config into one plan per model. Pure; config-level problems come back as issues. */
export function planBuild(config: ResolvedConfig, options: PlanOptions): { plans: ModelPlan[]; issues: ConfigIssue[] } {
  const plans: ModelPlan[] = [];
  const issues: ConfigIssue[] = registryEnvIssues(options.env);
  if (issues.length > 0) return { plans, issues };
  config.models.forEach((model, index) => {
    const result = planModel(model, config, options);
    if ('message' in result) issues.push({ ...result, path: `models[${index}].${result.path}` });
    else plans.push(result);
  });
  return { plans, issues };
}
