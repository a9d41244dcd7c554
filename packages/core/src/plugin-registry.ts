import { UaiError } from './errors.js';
import type { UaiPlugin } from './plugin.js';

/** `framework:` values served by the plugins we publish, and the package of each. */
export const builtinFrameworks: Readonly<Record<string, string>> = {
  caffe: '@uai/plugin-caffe',
  tensorflow: '@uai/plugin-tensorflow',
  tf: '@uai/plugin-tensorflow',
  keras: '@uai/plugin-keras',
  mxnet: '@uai/plugin-mxnet',
  xgboost: '@uai/plugin-xgboost',
  self: '@uai/plugin-self',
};

/** Checks that a value is a plugin object; returns what is wrong with it, or nothing. */
export function pluginShapeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['it is not an object'];
  const plugin = value as Record<string, unknown>;
  const problems: string[] = [];
  const need = (key: string, type: string, ok: boolean) => {
    if (!ok) problems.push(`\`${key}\` must be ${type}`);
  };
  need('name', 'a string', typeof plugin.name === 'string');
  need('framework', 'a string', typeof plugin.framework === 'string' && /^[a-z][a-z0-9_-]*$/.test(plugin.framework));
  need('defaultAiArchV', 'a string', typeof plugin.defaultAiArchV === 'string');
  need('catalog', 'an array', Array.isArray(plugin.catalog));
  need('options', 'a zod schema', typeof (plugin.options as { safeParse?: unknown })?.safeParse === 'function');
  need('modelFiles', 'a function', typeof plugin.modelFiles === 'function');
  need('serviceConfig', 'a function', typeof plugin.serviceConfig === 'function');
  if (plugin.aliases !== undefined) need('aliases', 'an array of strings', Array.isArray(plugin.aliases));
  return problems;
}

/** The plugins of one run, by framework and alias. Two plugins claiming one name is an error. */
export class PluginRegistry {
  private readonly byName = new Map<string, UaiPlugin>();

  constructor(plugins: Iterable<UaiPlugin> = []) {
    for (const plugin of plugins) this.add(plugin);
  }

  add(plugin: UaiPlugin): void {
    for (const name of [plugin.framework, ...(plugin.aliases ?? [])]) {
      const other = this.byName.get(name);
      if (other && other !== plugin) {
        throw new UaiError(
          'UAI_PLUGIN_CONFLICT',
          `Both ${other.name} and ${plugin.name} claim framework "${name}". Keep one of them in \`plugins\` (or uninstall one).`,
        );
      }
      this.byName.set(name, plugin);
    }
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
    return [...new Set([...Object.keys(builtinFrameworks), ...this.byName.keys()])].sort();
  }
}
