import { chooseBaseImage, effectiveRegistry, loadConfigFile, registrySchema, resolvePlugins, type UaiPlugin } from '@uai/core';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { writeLine } from '../output.js';
import { builtinPlugins } from '../builtin-plugins.js';
import { cliDir } from './build.js';

/** One block per framework: its aiArchV values and the default base image of each. */
export function describeFrameworks(plugins: readonly UaiPlugin[], host: string): string {
  return plugins
    .map((plugin) => {
      const names = [plugin.framework, ...(plugin.aliases ?? [])].join(', ');
      const head = `${names}  (${plugin.name}${plugin.description ? `: ${plugin.description}` : ''})`;
      const arches = [...new Set(plugin.catalog.map((entry) => entry.aiArchV))];
      if (arches.length === 0) return `${head}\n  no catalog: set baseImage`;
      const lines = arches.map((aiArchV) => {
        const first = plugin.catalog.find((entry) => entry.aiArchV === aiArchV)!;
        const choice = chooseBaseImage(plugin, { aiArchV, os: first.os, pythonVersion: first.python });
        const image = choice.ok ? `${host}/${choice.entry.image}` : '?';
        const variants = plugin.catalog.filter((entry) => entry.aiArchV === aiArchV).length;
        const mark = aiArchV === plugin.defaultAiArchV ? ' (default)' : '';
        return `  ${aiArchV.padEnd(20)} ${image}${variants > 1 ? `  (+${variants - 1} variant${variants > 2 ? 's' : ''})` : ''}${mark}`;
      });
      return `${head}\n${lines.join('\n')}`;
    })
    .join('\n\n');
}

/** Frameworks of `uai-plugin-<fw>` packages installed in the project. */
function installedThirdParty(cwd: string): string[] {
  try {
    return readdirSync(path.join(cwd, 'node_modules'))
      .filter((name) => name.startsWith('uai-plugin-'))
      .map((name) => name.slice('uai-plugin-'.length));
  } catch {
    return [];
  }
}

export async function frameworksCommand(env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<number> {
  const found = new Map<string, UaiPlugin>();
  const configured = await loadConfigFile({ cwd }).catch(() => null);
  const fromConfig = (configured?.config as { plugins?: unknown[] } | undefined)?.plugins ?? [];
  const names = [...Object.keys(builtinPlugins), ...installedThirdParty(cwd)];
  for (const framework of names) {
    // One at a time: a plugin that is not installed is left out, not fatal.
    const registry = await resolvePlugins({ projectDir: cwd, frameworks: [framework], fallbackFrom: cliDir, builtin: builtinPlugins }).catch(() => undefined);
    for (const plugin of registry?.plugins() ?? []) found.set(plugin.name, plugin);
  }
  const configuredRegistry = await resolvePlugins({ projectDir: cwd, configured: fromConfig, frameworks: [] }).catch(() => undefined);
  for (const plugin of configuredRegistry?.plugins() ?? []) found.set(plugin.name, plugin);
  // Images are shown on the host a build would pull them from: the config's registry, env overrides applied.
  const parsed = registrySchema.partial({ namespace: true }).safeParse((configured?.config as { registry?: unknown } | undefined)?.registry ?? {});
  const host = parsed.success ? effectiveRegistry({ namespace: '', ...parsed.data }, env).pushHost : env.UAI_REGISTRY_HOST || 'uhub.ucloud.cn';
  writeLine(process.stdout, describeFrameworks([...found.values()], host));
  return 0;
}
