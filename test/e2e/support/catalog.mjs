// @ts-check
// The base images every installed uai plugin may build FROM: each plugin's `catalog`, read from the
// built packages, so a new plugin's images are pushed to the test registry without touching this file.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.mjs';

/** @param {string} dir */
function list(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Package names that look like uai plugins in `<root>/node_modules`: @uai/plugin-*, uai-plugin-*, @scope/uai-plugin-*. */
export function pluginPackageNames(root = repoRoot) {
  const modules = path.join(root, 'node_modules');
  const names = list(path.join(modules, '@uai'))
    .filter((name) => name.startsWith('plugin-'))
    .map((name) => `@uai/${name}`);
  for (const entry of list(modules)) {
    if (entry.startsWith('uai-plugin-')) names.push(entry);
    else if (entry.startsWith('@') && entry !== '@uai') {
      names.push(
        ...list(path.join(modules, entry))
          .filter((name) => name.startsWith('uai-plugin-'))
          .map((name) => `${entry}/${name}`),
      );
    }
  }
  return names.sort();
}

/**
 * Loads each plugin (its default export: a factory called with no options, or the plugin object).
 * A plugin that does not load (not built yet) is reported and left out.
 * @param {string} [root]
 * @returns {Promise<{ name: string, framework: string, catalog: { image: string, aiArchV: string }[] }[]>}
 */
export async function installedPlugins(root = repoRoot) {
  const require = createRequire(path.join(root, 'noop.js'));
  const plugins = [];
  for (const name of pluginPackageNames(root)) {
    try {
      const mod = await import(pathToFileURL(require.resolve(name)).href);
      const plugin = typeof mod.default === 'function' ? mod.default() : mod.default;
      if (Array.isArray(plugin?.catalog)) plugins.push(plugin);
    } catch (error) {
      process.stderr.write(`[e2e] skipping plugin ${name}: ${/** @type {Error} */ (error).message.split('\n')[0]}\n`);
    }
  }
  return plugins;
}

/** Every catalog image path (`uaishare/...:tag`) of every installed plugin, once each. */
export async function catalogImages(root = repoRoot) {
  const images = (await installedPlugins(root)).flatMap((plugin) => plugin.catalog.map((entry) => entry.image));
  return [...new Set(images)].sort();
}
