import type { z } from 'zod';
import { commonModelKeys, configSchema, type Builder, type RegistryConfig } from './config-schema.js';
import { formatPath, type ConfigIssue } from './errors.js';
import type { PluginModel, UaiPlugin } from './plugin.js';
import type { PluginRegistry } from './plugin-registry.js';

export interface ResolvedModel extends PluginModel {
  plugin: UaiPlugin;
}

export interface ResolvedConfig {
  registry: RegistryConfig;
  concurrency?: number;
  builder: Builder;
  models: ResolvedModel[];
}

export interface Validation {
  config?: ResolvedConfig;
  issues: ConfigIssue[];
}

export const defaultOs = 'ubuntu';
export const defaultPythonVersion = 'python-2.7.6';

function zodIssues(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown key' }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

/**
 * Validates a loaded config against the schema and each model's plugin. Pure: returns data, never
 * throws, never prints. `plugins` must already hold every framework the config names that can be found.
 */
export function validateConfig(raw: unknown, plugins: PluginRegistry): Validation {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { issues: zodIssues(parsed.error) };

  const { registry, defaults, concurrency, builder, models } = parsed.data;
  const issues: ConfigIssue[] = [];
  const resolved: ResolvedModel[] = [];
  const seen = new Map<string, number>();

  models.forEach((model, index) => {
    const at = (key: string) => `models[${index}].${key}`;
    const first = seen.get(model.name);
    if (first !== undefined) {
      issues.push({ path: at('name'), message: `duplicate model name "${model.name}" (also models[${first}])` });
    } else {
      seen.set(model.name, index);
    }

    const plugin = plugins.get(model.framework);
    if (!plugin) {
      issues.push({
        path: at('framework'),
        message: `unknown framework "${model.framework}"; known: ${plugins.knownFrameworks().join(', ')}. A third-party framework needs its plugin in \`plugins: [...]\` or an installed uai-plugin-${model.framework} package`,
      });
      return;
    }

    const merged = { ...defaults, ...model };
    const requires = { mainClass: true, modelDir: true, baseImage: false, ...plugin.requires };
    const missing = [
      ...(requires.mainClass ? (['mainModule', 'mainClass'] as const) : []),
      ...(requires.modelDir ? (['modelDir'] as const) : []),
      ...(requires.baseImage ? (['baseImage'] as const) : []),
    ].filter((key) => merged[key] === undefined);
    for (const key of missing) {
      issues.push({ path: at(key), message: `required for framework ${plugin.framework}` });
    }

    const own = Object.fromEntries(
      Object.entries(model).filter(([key]) => !(commonModelKeys as readonly string[]).includes(key)),
    );
    const options = plugin.options.safeParse(own);
    if (!options.success) {
      issues.push(
        ...zodIssues(options.error, ['models', index]).map((issue) => ({
          ...issue,
          message: issue.message === 'unknown key' ? `unknown key for framework ${plugin.framework}` : issue.message,
        })),
      );
    }
    if (missing.length > 0 || !options.success) return;

    resolved.push({
      name: merged.name,
      framework: plugin.framework,
      aiArchV: merged.aiArchV ?? plugin.defaultAiArchV,
      baseImage: merged.baseImage,
      packFilePath: merged.packFilePath,
      mainModule: merged.mainModule,
      mainClass: merged.mainClass,
      modelDir: merged.modelDir,
      image: merged.image,
      os: merged.os ?? defaultOs,
      pythonVersion: merged.pythonVersion ?? defaultPythonVersion,
      options: options.data,
      plugin,
    });
  });

  if (issues.length > 0) return { issues };
  return { config: { registry, concurrency, builder, models: resolved }, issues };
}
