import { defaultOs, defaultPythonVersion } from '../plugins/catalog.js';
import { z } from 'zod';
import { commonModelKeys, configSchema, defaultsSchema, modelList, modelSchema, type Builder, type RegistryConfig } from './schema.js';
import type { ConfigIssue } from '../errors/uai-error.js';
import { formatPath, quoteValue } from '../errors/format.js';
import type { PluginModel, UaiPlugin } from '../plugins/plugin.js';
import type { TestConfig } from './test-schema.js';
import type { PluginRegistry } from '../plugins/registry.js';

export interface ResolvedModel extends PluginModel {
  plugin: UaiPlugin;
  /** Its smoke test, `defaults.test` when it has none of its own. */
  test?: TestConfig;
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

export { defaultOs, defaultPythonVersion };

/** The config without its models: each model is checked on its own, so one bad model hides no other problem. */
const outerSchema = configSchema.extend({ models: modelList(z.unknown()) });

type Raw = Record<string, unknown>;

const credentialKey = /user(name)?|password|passwd|secret|token|credential/i;

/** Model keys that are a common key in the wrong case (`pythonversion`) or look like credentials. */
function suspiciousKeys(keys: readonly string[]): { key: string; message: string }[] {
  return keys.flatMap((key) => {
    const common = commonModelKeys.find((name) => name.toLowerCase() === key.toLowerCase());
    if (common) return [{ key, message: `unknown key; did you mean ${common}?` }];
    if (credentialKey.test(key)) {
      return [{ key, message: 'credentials never go in the config; set UHUB_USERNAME and UHUB_PASSWORD in the environment (or use docker login)' }];
    }
    return [];
  });
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ os: undefined }` (say, from an unset env var) must not hide the default. */
function definedOnly(value: Raw): Raw {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function zodIssues(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        message: credentialKey.test(key)
          ? 'unknown key: credentials never go in the config; set UHUB_USERNAME and UHUB_PASSWORD in the environment (or use docker login)'
          : 'unknown key',
      }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

function unknownFramework(framework: string, plugins: PluginRegistry): string {
  const known = plugins.knownFrameworks();
  const near = known.find((name) => name === framework.trim().toLowerCase());
  const hint = near ? ` Did you mean "${near}"?` : '';
  return `unknown framework ${quoteValue(framework)}; known: ${known.join(', ')}.${hint} A third-party framework needs its plugin in \`plugins: [...]\` or an installed uai-plugin-<framework> package`;
}

/** What every model's check shares: the defaults, the names and images seen so far, where issues go. */
interface ModelChecks {
  plugins: PluginRegistry;
  defaults: Raw;
  defaultsValid: boolean;
  seen: Map<string, number>;
  images: Map<string, number>;
  issues: ConfigIssue[];
}

/** Two models with one name, or pushing to one tag (each would report success, the later one over the other). */
function checkUnique(rawModel: Raw, index: number, checks: ModelChecks): void {
  const at = (key: string) => formatPath(['models', index, key]);
  let nameRepeated = false;
  if (typeof rawModel.name === 'string') {
    const first = checks.seen.get(rawModel.name);
    nameRepeated = first !== undefined;
    if (first !== undefined) {
      checks.issues.push({ path: at('name'), message: `duplicate model name ${quoteValue(rawModel.name)} (also models[${first}]); names must be unique` });
    } else {
      checks.seen.set(rawModel.name, index);
    }
  }
  if (typeof rawModel.image === 'string' && !nameRepeated) {
    const first = checks.images.get(rawModel.image);
    if (first !== undefined) {
      checks.issues.push({
        path: at('image'),
        message: `${quoteValue(rawModel.image)} is also the image of models[${first}]; each model needs its own name or tag, or one would overwrite the other`,
      });
    } else {
      checks.images.set(rawModel.image, index);
    }
  }
}

/** The framework's own keys, checked by its plugin's schema; misspelt common keys and credentials refused. */
function checkOptions(rawModel: Raw, index: number, plugin: UaiPlugin, issues: ConfigIssue[]) {
  const at = (key: string) => formatPath(['models', index, key]);
  const own = Object.fromEntries(Object.entries(rawModel).filter(([key]) => !(commonModelKeys as readonly string[]).includes(key)));
  // Frameworks that pass extra keys through (tensorflow) would copy a misspelt common key, or a
  // password, into the image's service config: refuse both whatever the plugin's schema allows.
  const suspicious = suspiciousKeys(Object.keys(own));
  issues.push(...suspicious.map(({ key, message }) => ({ path: at(key), message })));
  const options = plugin.options.safeParse(own);
  if (!options.success) {
    const named = new Set(suspicious.map(({ key }) => at(key)));
    issues.push(
      ...zodIssues(options.error, ['models', index])
        .filter((issue) => !named.has(issue.path))
        .map((issue) => ({
          ...issue,
          message:
            issue.message === 'unknown key'
              ? `unknown key for framework ${plugin.framework}`
              : issue.message === 'required'
                ? `required for framework ${plugin.framework}`
                : issue.message,
        })),
    );
  }
  return { ok: options.success && suspicious.length === 0, data: options.success ? options.data : undefined };
}

/** One model: its common keys, its plugin's keys, and what it must have once defaults are merged. */
function checkModel(rawModel: unknown, index: number, checks: ModelChecks): ResolvedModel | undefined {
  const { issues } = checks;
  const at = (key: string) => formatPath(['models', index, key]);
  const common = modelSchema.safeParse(rawModel);
  if (!common.success) issues.push(...zodIssues(common.error, ['models', index]));
  if (!isObject(rawModel)) return undefined;
  checkUnique(rawModel, index, checks);
  if (typeof rawModel.framework !== 'string') return undefined;
  const plugin = checks.plugins.get(rawModel.framework);
  if (!plugin) {
    issues.push({ path: at('framework'), message: unknownFramework(rawModel.framework, checks.plugins) });
    return undefined;
  }

  const merged = { ...definedOnly(checks.defaults), ...definedOnly(common.success ? common.data : rawModel) };
  const requires = { mainClass: true, modelDir: true, baseImage: false, ...plugin.requires };
  const missing = [
    'packFilePath',
    ...(requires.mainClass ? ['mainModule', 'mainClass'] : []),
    ...(requires.modelDir ? ['modelDir'] : []),
    ...(requires.baseImage ? ['baseImage'] : []),
  ].filter((key) => merged[key] === undefined);
  for (const key of missing) {
    issues.push({ path: at(key), message: key === 'packFilePath' ? 'required (here or in defaults)' : `required for framework ${plugin.framework}` });
  }
  const options = checkOptions(rawModel, index, plugin, issues);
  if (!common.success || !checks.defaultsValid || missing.length > 0 || !options.ok) return undefined;

  const model = merged as z.output<typeof modelSchema> & { packFilePath: string };
  return {
    name: model.name,
    framework: plugin.framework,
    aiArchV: model.aiArchV ?? plugin.defaultAiArchV,
    baseImage: model.baseImage,
    packFilePath: model.packFilePath,
    mainModule: model.mainModule,
    mainClass: model.mainClass,
    modelDir: model.modelDir,
    image: model.image,
    os: model.os ?? defaultOs,
    pythonVersion: model.pythonVersion ?? defaultPythonVersion,
    options: options.data!,
    plugin,
    ...((merged as { test?: TestConfig }).test ? { test: (merged as { test: TestConfig }).test } : {}),
  };
}

/**
 * Validates a loaded config against the schema and each model's plugin. Pure: returns data, never
 * throws, never prints. `plugins` must already hold every framework the config names that can be found.
 */
export function validateConfig(raw: unknown, plugins: PluginRegistry): Validation {
  const issues: ConfigIssue[] = [];
  const outer = outerSchema.safeParse(raw);
  if (!outer.success) issues.push(...zodIssues(outer.error));
  if (!isObject(raw) || !Array.isArray(raw.models)) return { issues };

  // With broken defaults, still use what they say so a model is not told a key it inherits is missing.
  const parsedDefaults = defaultsSchema.safeParse(raw.defaults ?? {});
  const defaults: Raw = parsedDefaults.success ? parsedDefaults.data : isObject(raw.defaults) ? raw.defaults : {};
  const checks: ModelChecks = { plugins, defaults, defaultsValid: parsedDefaults.success, seen: new Map(), images: new Map(), issues };
  const resolved = raw.models.map((model: unknown, index) => checkModel(model, index, checks)).filter((model) => model !== undefined);

  if (issues.length > 0 || !outer.success) return { issues };
  const { registry, concurrency, builder } = outer.data;
  return { config: { registry, concurrency, builder, models: resolved }, issues };
}
