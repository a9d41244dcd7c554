import { UaiError } from '../errors/uai-error.js';
import type { UaiPlugin } from './plugin.js';

/** A `framework:` value a plugin may serve: it also names the `uai-plugin-<framework>` package. */
export const frameworkNamePattern = /^[a-z][a-z0-9_-]*$/;

/** Checks that a value is a plugin object; returns what is wrong with it, or nothing. */
export function pluginShapeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['it is not an object'];
  const plugin = value as Record<string, unknown>;
  const problems: string[] = [];
  const need = (key: string, type: string, ok: boolean) => {
    if (!ok) problems.push(`\`${key}\` must be ${type}`);
  };
  const optional = (key: string, type: string, ok: (v: unknown) => boolean) => {
    if (plugin[key] !== undefined) need(key, type, ok(plugin[key]));
  };
  const isName = (v: unknown) => typeof v === 'string' && frameworkNamePattern.test(v);
  need('name', 'a string', typeof plugin.name === 'string' && plugin.name.length > 0);
  need('framework', 'a lowercase name like caffe', isName(plugin.framework));
  need('defaultAiArchV', 'a string', typeof plugin.defaultAiArchV === 'string');
  need('catalog', 'an array', Array.isArray(plugin.catalog));
  need('options', 'a zod schema', typeof (plugin.options as { safeParse?: unknown })?.safeParse === 'function');
  need('modelFiles', 'a function', typeof plugin.modelFiles === 'function');
  need('serviceConfig', 'a function', typeof plugin.serviceConfig === 'function');
  optional('aliases', 'an array of lowercase names', (v) => Array.isArray(v) && v.every(isName));
  optional('env', 'a function', (v) => typeof v === 'function');
  optional('userConfigFile', 'a function', (v) => typeof v === 'function');
  optional('requires', 'an object like { modelDir: false }', (v) => typeof v === 'object' && v !== null);
  optional('templates', 'an object like { dockerfile: "/abs/path.hbs" }', (v) => typeof v === 'object' && v !== null);
  return problems;
}

/**
 * The packages of the frameworks a distribution of `uai` comes with, by `framework:` value and alias
 * (`{ caffe: '@uai/plugin-caffe', tf: '@uai/plugin-tensorflow' }`). Core names none: the CLI, which
 * depends on them, hands its table in. Other frameworks are found as `uai-plugin-<framework>`.
 */
export type BuiltinPlugins = Readonly<Record<string, string>>;

/** The plugins of one run, by framework and alias. Two plugins claiming one name is an error. */
export class PluginRegistry {
  private readonly byName = new Map<string, UaiPlugin>();

  /** `builtin`: the frameworks the distribution offers, named in messages even when not loaded. */
  constructor(
    plugins: Iterable<UaiPlugin> = [],
    private readonly builtin: BuiltinPlugins = {},
  ) {
    for (const plugin of plugins) this.add(plugin);
  }

  add(plugin: UaiPlugin): void {
    const names = [plugin.framework, ...(plugin.aliases ?? [])];
    // Check every name before registering any, so a conflict leaves the registry as it was.
    for (const name of names) {
      const other = this.byName.get(name);
      if (other && other !== plugin) {
        throw new UaiError(
          'UAI_PLUGIN_CONFLICT',
          other.name === plugin.name
            ? `${plugin.name} is given twice for framework "${name}". Keep one of them in \`plugins\`.`
            : `Both ${other.name} and ${plugin.name} claim framework "${name}". Keep one of them in \`plugins\` (or uninstall one).`,
        );
      }
    }
    for (const name of names) this.byName.set(name, plugin);
  }

  get(framework: string): UaiPlugin | undefined {
    return this.byName.get(framework);
  }

  has(framework: string): boolean {
    return this.byName.has(framework);
  }

  /** Distinct plugins, in the order they were added. */
  plugins(): UaiPlugin[] {
    return [...new Set(this.byName.values())];
  }

  /** Every framework name a config may use: the built-in table plus what is registered. */
  knownFrameworks(): string[] {
    return [...new Set([...Object.keys(this.builtin), ...this.byName.keys()])].sort();
  }
}
