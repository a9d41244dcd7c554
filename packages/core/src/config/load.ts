import { cosmiconfig, type Loader } from 'cosmiconfig';
import path from 'node:path';
import { loadSimpleConfig, userCacheDir } from './compile-cache.js';
import { canFallBackToBabel, transformConfigSource } from './transform.js';
import { UaiError } from '../errors/uai-error.js';
import type { UserConfig } from './schema.js';

/** What a config file may export: an object, a promise of one, or a function of the command. */
export type ConfigExport = UserConfig | Promise<UserConfig> | ((env: ConfigEnv) => UserConfig | Promise<UserConfig>);

export interface ConfigEnv {
  command: string;
  mode: string;
}

export interface LoadedConfig {
  /** Absolute path of the config file. */
  path: string;
  /** The raw, not yet validated config. */
  config: unknown;
}

export const searchPlaces = [
  'package.json',
  '.uairc',
  '.uairc.json',
  '.uairc.js',
  '.uairc.mjs',
  '.uairc.cjs',
  '.uairc.ts',
  'uai.config.ts',
  'uai.config.mts',
  'uai.config.cts',
  'uai.config.js',
  'uai.config.mjs',
  'uai.config.cjs',
  'uai.config.json',
];

/**
 * The engine's own public module, by its package name: the very module the CLI loaded, which configs
 * import. By name rather than by path so no file of the engine imports its index (no import cycle);
 * a variable, so TypeScript does not type it from a build of this package.
 */
const corePackage = '@uai/core';

/**
 * Loads TypeScript and JavaScript configs in memory (from the user's compile cache, or with jiti):
 * cosmiconfig's own TypeScript loader writes a compiled copy next to the config, and `uai` never
 * writes into the user's tree.
 */
const loadModule: Loader = async (filepath, content) => {
  const core: unknown = await import(corePackage);
  // Most configs import only `@uai/core` (and perhaps node:path): those skip jiti altogether.
  const simple = await loadSimpleConfig(filepath, content, core);
  if (simple) return simple.exported;
  // Imported here: jiti is the heaviest module of a start-up, and most configs never need it.
  const { createJiti } = await import('jiti');
  const jiti = createJiti(filepath, {
    moduleCache: false,
    // Compiled files are cached per user, outside the project.
    fsCache: userCacheDir('jiti'),
    interopDefault: true,
    ...(canFallBackToBabel() ? { transform: transformConfigSource } : {}),
    // The config's `import ... from '@uai/core'` gets this very module, already loaded: jiti would
    // otherwise transform and evaluate the engine and its dependencies a second time.
    virtualModules: { '@uai/core': core },
  });
  return jiti.import(filepath, { default: true });
};

function explorer() {
  return cosmiconfig('uai', {
    searchPlaces,
    searchStrategy: 'none',
    // An empty uai.config.json is a mistake to report, not a reason to say there is no config.
    ignoreEmptySearchPlaces: false,
    loaders: {
      '.ts': loadModule,
      '.mts': loadModule,
      '.cts': loadModule,
      '.js': loadModule,
      '.mjs': loadModule,
      '.cjs': loadModule,
    },
  });
}

/**
 * The one place that reads config files. Looks in `cwd` (not above it), or loads `configFile`.
 * Returns null when there is no config.
 */
export async function loadConfigFile(options: { cwd?: string; configFile?: string; env?: ConfigEnv } = {}): Promise<LoadedConfig | null> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? { command: 'build', mode: 'production' };
  let result;
  try {
    result = options.configFile ? await explorer().load(path.resolve(cwd, options.configFile)) : await explorer().search(cwd);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.configFile) {
      throw new UaiError('UAI_CONFIG_NOT_FOUND', `Config file ${options.configFile} does not exist. Check the --config path.`, { cause });
    }
    const file = options.configFile ?? 'the config file';
    throw new UaiError('UAI_CONFIG_LOAD_FAILED', `Could not load ${file}: ${(cause as Error).message}\nFix the config file and run again.`, {
      cause,
    });
  }
  if (!result) return null;
  if (result.isEmpty) {
    throw new UaiError(
      'UAI_CONFIG_LOAD_FAILED',
      `The config file ${result.filepath} is empty or exports no config. Put the config in it as its default export (export default defineConfig({ registry, models })), or remove it.`,
    );
  }

  let config: unknown = result.config;
  try {
    if (typeof config === 'function') config = await (config as (env: ConfigEnv) => unknown)(env);
    config = await config;
  } catch (cause) {
    throw new UaiError(
      'UAI_CONFIG_LOAD_FAILED',
      `The function exported by ${result.filepath} threw: ${(cause as Error)?.message ?? String(cause)}\nFix the config file and run again.`,
      { cause },
    );
  }
  return { path: result.filepath, config };
}

/** Identity function for type inference in `uai.config.ts`. */
export function defineConfig<T extends ConfigExport>(config: T): T {
  return config;
}
