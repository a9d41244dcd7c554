import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UaiError } from '../errors/uai-error.js';
import type { UaiPlugin } from './plugin.js';
import { frameworkNamePattern, pluginShapeProblems, PluginRegistry, type BuiltinPlugins } from './registry.js';

export interface ResolvePluginsOptions {
  /** Folder to resolve plugin packages from: the config's folder. */
  projectDir: string;
  /** Plugins the config imported itself (`plugins: [onnx()]`). */
  configured?: readonly unknown[];
  /** Frameworks the config names. */
  frameworks: readonly string[];
  /** Where else to look, after the project: the CLI's own dependencies. */
  fallbackFrom?: string;
  /** The packages of the built-in frameworks (the CLI's table). @default none */
  builtin?: BuiltinPlugins;
}

/** Where a package for a framework may live, in the order we look: the built-in one, else by name. */
export function candidatePackages(framework: string, builtin: BuiltinPlugins = {}): string[] {
  const known = Object.hasOwn(builtin, framework) ? builtin[framework] : undefined;
  return known ? [known] : [`uai-plugin-${framework}`, `@uai/plugin-${framework}`];
}

/** `exports` of a package.json: the file `import()` would load for the package itself. */
function exportTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const item of entry) {
      const target = exportTarget(item);
      if (target) return target;
    }
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const map = entry as Record<string, unknown>;
  if (Object.keys(map).some((key) => key.startsWith('.'))) return exportTarget(map['.']);
  for (const [condition, value] of Object.entries(map)) {
    if (condition === 'import' || condition === 'node' || condition === 'default') {
      const target = exportTarget(value);
      if (target) return target;
    }
  }
  return undefined;
}

/** For ESM-only packages (`exports` with `import` and no `require`/`default`), which `require.resolve` refuses. */
function resolveEsmEntry(dir: string, pkg: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const pkgDir = path.join(current, 'node_modules', pkg);
    const manifest = path.join(pkgDir, 'package.json');
    if (existsSync(manifest)) {
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const target = json.exports !== undefined ? exportTarget(json.exports) : (json.main ?? 'index.js');
      return target ? path.join(pkgDir, target) : undefined;
    }
    if (path.dirname(current) === current) return undefined;
  }
}

function resolveFrom(dir: string, pkg: string): string | undefined {
  try {
    return createRequire(path.join(dir, 'noop.js')).resolve(pkg);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND') return undefined;
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      const file = resolveEsmEntry(dir, pkg);
      if (file) return file;
    }
    throw new UaiError(
      'UAI_PLUGIN_INVALID',
      `Plugin ${pkg} cannot be resolved from ${dir}: ${(error as Error).message}. Check its package.json (main/exports), or reinstall it.`,
      { cause: error, plugin: pkg },
    );
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
    throw new UaiError('UAI_PLUGIN_INVALID', `Plugin ${pkg} failed to load: ${(cause as Error).message}. Reinstall it, or report this to its authors.`, {
      cause,
      plugin: pkg,
    });
  }
  const exported = mod.default;
  let value: unknown = exported;
  if (typeof exported === 'function') {
    try {
      value = (exported as () => unknown)();
    } catch (cause) {
      throw new UaiError(
        'UAI_PLUGIN_INVALID',
        `Plugin ${pkg} failed to load: its default export threw when called with no options: ${(cause as Error)?.message ?? String(cause)}. Import it in the config and call it yourself (plugins: [plugin({...})]), or report this to its authors.`,
        { cause, plugin: pkg },
      );
    }
  }
  return checkPlugin(value, `The default export of ${pkg}`);
}

/**
 * Builds the registry for one run: plugins the config imported first, then, for every framework the
 * config names that none of them serves, the package found for it from the project (then from the CLI).
 */
export async function resolvePlugins(options: ResolvePluginsOptions): Promise<PluginRegistry> {
  const builtin = options.builtin ?? {};
  const registry = new PluginRegistry([], builtin);
  (options.configured ?? []).forEach((value, index) => {
    registry.add(checkPlugin(value, `plugins[${index}]`));
  });

  for (const framework of new Set(options.frameworks)) {
    // A name that is not a plain framework name (`../x`) would make a path, not a package name: leave
    // it to validateConfig to report as unknown.
    if (registry.has(framework) || !frameworkNamePattern.test(framework)) continue;
    for (const pkg of candidatePackages(framework, builtin)) {
      const file = resolveFrom(options.projectDir, pkg) ?? (options.fallbackFrom ? resolveFrom(options.fallbackFrom, pkg) : undefined);
      if (!file) continue;
      const plugin = await importPlugin(pkg, file);
      if (plugin.framework !== framework && !(plugin.aliases ?? []).includes(framework)) {
        throw new UaiError(
          'UAI_PLUGIN_INVALID',
          `Plugin ${pkg} was loaded for framework "${framework}" but serves "${plugin.framework}". Use framework: "${plugin.framework}", or import the plugin you meant in \`plugins: [...]\`.`,
          { plugin: pkg },
        );
      }
      if (!registry.has(plugin.framework)) registry.add(plugin);
      break;
    }
    if (!registry.has(framework) && Object.hasOwn(builtin, framework)) {
      const pkg = builtin[framework];
      throw new UaiError('UAI_PLUGIN_NOT_FOUND', `Framework "${framework}" needs the package ${pkg}, which is not installed. Run: npm install -D ${pkg}`);
    }
  }
  return registry;
}
