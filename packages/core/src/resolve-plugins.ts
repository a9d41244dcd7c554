import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UaiError } from './errors.js';
import type { UaiPlugin } from './plugin.js';
import { builtinFrameworks, pluginShapeProblems, PluginRegistry } from './plugin-registry.js';

export interface ResolvePluginsOptions {
  /** Folder to resolve plugin packages from: the config's folder. */
  projectDir: string;
  /** Plugins the config imported itself (`plugins: [onnx()]`). */
  configured?: readonly unknown[];
  /** Frameworks the config names. */
  frameworks: readonly string[];
  /** Where else to look, after the project: the CLI's own dependencies. */
  fallbackFrom?: string;
}

/** Where a package for a framework may live, in the order we look. */
export function candidatePackages(framework: string): string[] {
  const builtin = builtinFrameworks[framework];
  return builtin ? [builtin] : [`uai-plugin-${framework}`, `@uai/plugin-${framework}`];
}

function resolveFrom(dir: string, pkg: string): string | undefined {
  try {
    return createRequire(path.join(dir, 'noop.js')).resolve(pkg);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

export function checkPlugin(value: unknown, source: string): UaiPlugin {
  const problems = pluginShapeProblems(value);
  if (problems.length > 0) {
    throw new UaiError(
      'UAI_PLUGIN_INVALID',
      `${source} is not a valid uai plugin: ${problems.join('; ')}. A plugin is the object returned by definePlugin({...}) (see docs/plugins.md).`,
    );
  }
  return value as UaiPlugin;
}

/** Imports a plugin package: its default export is a factory (called with no options) or a plugin object. */
export async function importPlugin(pkg: string, file: string): Promise<UaiPlugin> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (cause) {
    throw new UaiError('UAI_PLUGIN_INVALID', `Plugin ${pkg} failed to load: ${(cause as Error).message}`, { cause, plugin: pkg });
  }
  const exported = mod.default;
  const value = typeof exported === 'function' ? (exported as () => unknown)() : exported;
  return checkPlugin(value, `The default export of ${pkg}`);
}

/**
 * Builds the registry for one run: plugins the config imported first, then, for every framework the
 * config names that none of them serves, the package found for it from the project (then from the CLI).
 */
export async function resolvePlugins(options: ResolvePluginsOptions): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  (options.configured ?? []).forEach((value, index) => registry.add(checkPlugin(value, `plugins[${index}]`)));

  for (const framework of new Set(options.frameworks)) {
    if (registry.has(framework)) continue;
    for (const pkg of candidatePackages(framework)) {
      const file =
        resolveFrom(options.projectDir, pkg) ?? (options.fallbackFrom ? resolveFrom(options.fallbackFrom, pkg) : undefined);
      if (!file) continue;
      const plugin = await importPlugin(pkg, file);
      if (plugin.framework !== framework && !(plugin.aliases ?? []).includes(framework)) {
        throw new UaiError('UAI_PLUGIN_INVALID', `Plugin ${pkg} was loaded for framework "${framework}" but serves "${plugin.framework}".`);
      }
      if (!registry.has(plugin.framework)) registry.add(plugin);
      break;
    }
    if (!registry.has(framework) && builtinFrameworks[framework]) {
      throw new UaiError(
        'UAI_PLUGIN_NOT_FOUND',
        `Framework "${framework}" needs the package ${builtinFrameworks[framework]}, which is not installed. Run: npm install -D ${builtinFrameworks[framework]}`,
      );
    }
  }
  return registry;
}
