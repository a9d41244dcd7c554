import { configJsonSchema, loadConfigFile, PluginRegistry, resolvePlugins, type JsonSchema, type UaiPlugin } from '@uai/core';
import { redact, secretsOf } from '@uai/core/light';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { builtinPlugins } from '../builtin-plugins.js';
import { writeLine } from '../output.js';
import { cliDir } from './build.js';

/** The plugins a schema describes, and what was left out (said on stderr; never fatal). */
interface SchemaPlugins {
  registry: PluginRegistry;
  warnings: string[];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Frameworks of the plugin packages installed where a build would find them: `uai-plugin-<framework>`
 * and `@uai/plugin-<framework>` in the `node_modules` of the project's folder and of every folder above it.
 */
function installedFrameworks(projectDir: string): string[] {
  const found = new Set<string>();
  for (let dir = path.resolve(projectDir); ; dir = path.dirname(dir)) {
    const modules = path.join(dir, 'node_modules');
    for (const name of entries(modules)) if (name.startsWith('uai-plugin-')) found.add(name.slice('uai-plugin-'.length));
    for (const name of entries(path.join(modules, '@uai'))) if (name.startsWith('plugin-')) found.add(name.slice('plugin-'.length));
    if (path.dirname(dir) === dir) return [...found];
  }
}

/** Adds `plugin` unless a plugin already there serves one of its names (the config's plugins come first, as in a build). */
function addUnclaimed(registry: PluginRegistry, plugin: UaiPlugin, warnings: string[]): void {
  const claimed = [plugin.framework, ...(plugin.aliases ?? [])].find((name) => registry.has(name));
  if (claimed === undefined) registry.add(plugin);
  else if (registry.get(claimed)!.name !== plugin.name) warnings.push(`${plugin.name} is left out: framework "${claimed}" is ${registry.get(claimed)!.name}'s`);
}

/** Each framework's package, found as a build finds it (the project, then the CLI's own); one that fails is left out. */
async function addFrameworks(registry: PluginRegistry, frameworks: readonly string[], projectDir: string, warnings: string[]): Promise<void> {
  for (const framework of frameworks) {
    if (registry.has(framework)) continue;
    try {
      const found = await resolvePlugins({ projectDir, frameworks: [framework], fallbackFrom: cliDir, builtin: builtinPlugins });
      for (const plugin of found.plugins()) addUnclaimed(registry, plugin, warnings);
    } catch (error) {
      warnings.push(`framework ${framework} is left out: ${messageOf(error)}`);
    }
  }
}

/**
 * What `uai schema` describes: the plugins the config (in `cwd`, or `configFile`) imports in `plugins`,
 * the built-in frameworks, and the `uai-plugin-*` packages installed in the project. A config that does
 * not load only costs its own plugins.
 */
async function schemaPlugins(options: { cwd: string; configFile?: string }): Promise<SchemaPlugins> {
  const warnings: string[] = [];
  let projectDir = options.cwd;
  let configured: unknown[] = [];
  try {
    const loaded = await loadConfigFile({ cwd: options.cwd, configFile: options.configFile, env: { command: 'schema', mode: 'production' } });
    if (loaded) {
      projectDir = path.dirname(loaded.path);
      const plugins = (loaded.config as { plugins?: unknown } | null)?.plugins;
      configured = Array.isArray(plugins) ? plugins : [];
    }
  } catch (error) {
    warnings.push(`${messageOf(error)}\nThe schema describes the built-in and installed frameworks only.`);
  }
  let registry: PluginRegistry;
  try {
    registry = await resolvePlugins({ projectDir, configured, frameworks: [], builtin: builtinPlugins });
  } catch (error) {
    warnings.push(`the config's plugins are left out: ${messageOf(error)}`);
    registry = new PluginRegistry([], builtinPlugins);
  }
  await addFrameworks(registry, [...Object.keys(builtinPlugins), ...installedFrameworks(projectDir)], projectDir, warnings);
  return { registry, warnings };
}

/** The schema as `uai schema` prints it and schema.json holds it: one JSON document, two-space indents, a newline at the end. */
function schemaText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/**
 * The schema @uai/cli ships as schema.json (written by its build): the built-in frameworks only, as
 * `uai schema` prints it in a folder with no config and no plugin installed. Throws if one is missing.
 */
export async function builtinSchemaText(): Promise<string> {
  const warnings: string[] = [];
  const registry = new PluginRegistry([], builtinPlugins);
  await addFrameworks(registry, Object.keys(builtinPlugins), cliDir, warnings);
  if (warnings.length > 0) throw new Error(`cannot describe the built-in frameworks:\n${warnings.join('\n')}`);
  return schemaText(configJsonSchema(registry));
}

/** `uai schema`: the JSON Schema of the config on stdout, alone; what was left out on stderr. Always 0. */
export async function schemaCommand(flags: { config?: string }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { registry, warnings } = await schemaPlugins({ cwd: process.cwd(), configFile: flags.config });
  for (const warning of warnings) writeLine(process.stderr, redact(`warning: ${warning}`, secretsOf(env)));
  process.stdout.write(schemaText(configJsonSchema(registry)));
  return 0;
}
