import { z } from 'zod';
import type { UaiPlugin } from '../plugins/plugin.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { commonModelKeys, configSchema } from './schema.js';

/** A JSON Schema document, or one of its subschemas. */
export type JsonSchema = z.core.JSONSchema.JSONSchema;

export const jsonSchemaDialect = 'https://json-schema.org/draft/2020-12/schema';

/**
 * The config as a user writes it (`io: 'input'`: a key with a default is optional). What zod cannot
 * describe (a plugin object, a check written as code) becomes `{}`: that part is left to uai build.
 */
const conversion = { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' } as const;

/**
 * What `uai build` checks and a JSON Schema cannot say (a rule across models, a check written as code,
 * the files and the base image catalog). The schema's description lists them, and so does the README.
 */
export const buildOnlyChecks: readonly string[] = [
  'model names are unique, and so are their images',
  'in a framework that passes extra keys through, a key that is a common key in another case (pythonversion) or looks like a credential (password, token) is refused',
  "checks a plugin writes as code rather than in its options' schema",
  "aiArchV, os and pythonVersion name a base image of the framework's catalog (uai frameworks lists them), unless baseImage is set",
  'the files the config names exist (packFilePath, modelDir, the model files)',
];

/** `framework:` values a plugin serves. */
function frameworkNames(plugin: UaiPlugin): string[] {
  return [plugin.framework, ...(plugin.aliases ?? [])];
}

/** Where a plugin's schema lives in `$defs`. Framework names have no `.`: the plugin's own `$defs` follow as `framework-x.name`. */
function definitionKey(plugin: UaiPlugin): string {
  return `framework-${plugin.framework}`;
}

/** A model (or anything) whose `framework` is one of `names`. */
function frameworkIs(names: readonly string[]): JsonSchema {
  return { type: 'object', properties: { framework: names.length === 1 ? { const: names[0] } : { enum: [...names] } }, required: ['framework'] };
}

/** JSON Schema's `if`/`then`: a keyword here, in a document that is printed, never awaited. */
function ifThen(condition: JsonSchema, consequence: JsonSchema): JsonSchema {
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's keyword, not a promise
  return { if: condition, then: consequence };
}

/** `$ref`s of a plugin's schema made to point into its own part of the config schema's `$defs`. */
function rebased(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rebased(item, key));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, inner]) => {
      if (name !== '$ref' || typeof inner !== 'string') return [name, rebased(inner, key)];
      if (inner === '#') return [name, `#/$defs/${key}`];
      return [name, inner.startsWith('#/$defs/') ? `#/$defs/${key}.${inner.slice('#/$defs/'.length)}` : inner];
    }),
  );
}

/**
 * A plugin's options checked with the common keys allowed beside them: validateConfig hands the plugin
 * the model without its common keys, so a strict options schema refuses only keys that are neither.
 */
function admittingCommonKeys(schema: JsonSchema, plugin: UaiPlugin): JsonSchema {
  for (const branches of ['anyOf', 'oneOf'] as const) {
    const list = schema[branches];
    if (list) return { ...schema, [branches]: list.map((branch) => admittingCommonKeys(branch, plugin)) };
  }
  if (schema.type !== 'object') return schema;
  const common: Record<string, JsonSchema | boolean> = Object.fromEntries(commonModelKeys.map((key) => [key, true]));
  const arches = [...new Set(plugin.catalog.map((entry) => entry.aiArchV))];
  if (arches.length > 0) common.aiArchV = { examples: arches };
  const names = schema.propertyNames;
  // Keys are strings anyway: `{ type: 'string' }` (a record's) holds for the common keys as it is.
  const onlyStrings = typeof names === 'object' && Object.keys(names).length === 1 && names.type === 'string';
  return {
    ...schema,
    properties: { ...schema.properties, ...common },
    ...(typeof names === 'object' && !onlyStrings ? { propertyNames: { anyOf: [{ enum: [...commonModelKeys] }, names] } } : {}),
    ...(names === false ? { propertyNames: { enum: [...commonModelKeys] } } : {}),
  };
}

/** A plugin's part of `$defs`: its options with the common keys, under `framework-<name>`, and the subschemas they refer to. */
function frameworkDefinitions(plugin: UaiPlugin): Record<string, JsonSchema> {
  const key = definitionKey(plugin);
  const title = `framework ${frameworkNames(plugin).join(' or ')} (${plugin.name})`;
  let options: JsonSchema;
  try {
    options = z.toJSONSchema(plugin.options, conversion) as JsonSchema;
  } catch {
    // Not a zod 4 schema (a hand-written `safeParse`): its keys are the plugin's business, checked by uai build.
    return { [key]: { title, description: `${plugin.name} does not describe its options: uai build checks them.` } };
  }
  const { $schema: _dialect, $defs: defs = {}, ...own } = rebased(options, key) as JsonSchema;
  return {
    [key]: { title, ...(plugin.description ? { description: plugin.description } : {}), ...admittingCommonKeys(own, plugin) },
    ...Object.fromEntries(Object.entries(defs).map(([name, schema]) => [`${key}.${name}`, schema])),
  };
}

/** One model: the common keys, a framework the plugins serve, and that framework's options (`if`/`then` per plugin). */
function modelDefinition(common: JsonSchema, plugins: readonly UaiPlugin[]): JsonSchema {
  const { additionalProperties: _checkedPerFramework, properties = {}, ...rest } = common;
  const names = plugins.flatMap(frameworkNames);
  const served = plugins.map((plugin) => `${frameworkNames(plugin).join(' or ')} (${plugin.name})`).join(', ');
  const framework = properties.framework as JsonSchema;
  return {
    ...rest,
    properties: {
      ...properties,
      framework: {
        ...framework,
        description: `${framework.description ?? ''} Described here: ${served || 'none'}.`.trim(),
        // No plugin, no framework: every model is refused, as validateConfig does.
        ...(names.length > 0 ? { enum: names } : { not: {} }),
      },
    },
    ...(plugins.length > 0
      ? { allOf: plugins.map((plugin) => ifThen(frameworkIs(frameworkNames(plugin)), { $ref: `#/$defs/${definitionKey(plugin)}` })) }
      : {}),
  };
}

/**
 * Keys a model may leave to `defaults` (validateConfig checks them once defaults are merged): when
 * `defaults` does not give one, every model that needs it must.
 */
function requiredUnlessDefaults(plugins: readonly UaiPlugin[]): JsonSchema[] {
  const requires = (plugin: UaiPlugin) => ({ mainClass: true, modelDir: true, baseImage: false, ...plugin.requires });
  const needing = (need: (plugin: UaiPlugin) => boolean | undefined) => plugins.filter((plugin) => need(plugin)).flatMap(frameworkNames);
  const rules: { key: string; frameworks: 'all' | string[] }[] = [
    { key: 'packFilePath', frameworks: 'all' },
    { key: 'mainModule', frameworks: needing((plugin) => requires(plugin).mainClass) },
    { key: 'mainClass', frameworks: needing((plugin) => requires(plugin).mainClass) },
    { key: 'modelDir', frameworks: needing((plugin) => requires(plugin).modelDir) },
    { key: 'baseImage', frameworks: needing((plugin) => requires(plugin).baseImage) },
  ];
  return rules
    .filter(({ frameworks }) => frameworks === 'all' || frameworks.length > 0)
    .map(({ key, frameworks }) => ({
      if: { properties: { defaults: { type: 'object', required: [key] } }, required: ['defaults'] },
      else: {
        properties: {
          models: {
            type: 'array',
            items: frameworks === 'all' ? { type: 'object', required: [key] } : ifThen(frameworkIs(frameworks), { type: 'object', required: [key] }),
          },
        },
      },
    }));
}

function describeSchema(plugins: readonly UaiPlugin[]): string {
  const frameworks = plugins.flatMap(frameworkNames).join(', ') || 'none';
  return [
    `The uai config (uai.config.json, .uairc.json, or the "uai" key of package.json; uai.config.ts has the same shape), for the frameworks ${frameworks}.`,
    'uai build also checks what a JSON Schema cannot say:',
    ...buildOnlyChecks.map((check, index) => `- ${check}${index === buildOnlyChecks.length - 1 ? '.' : ';'}`),
  ].join('\n');
}

/**
 * The JSON Schema (draft 2020-12) of the config as a user writes it, with each plugin's options: a
 * model must match the common keys and, through `if`/`then` on its `framework`, its plugin's options.
 * It accepts what validateConfig accepts with the same plugins and refuses what it refuses, but for
 * `buildOnlyChecks`. Pure: the caller finds the plugins (the CLI's `uai schema`).
 */
export function configJsonSchema(registry: PluginRegistry): JsonSchema {
  const plugins = registry.plugins().sort((a, b) => (a.framework < b.framework ? -1 : a.framework > b.framework ? 1 : 0));
  const { $schema: _dialect, $defs: configDefs, description: _title, properties = {}, ...config } = z.toJSONSchema(configSchema, conversion) as JsonSchema;
  const models = properties.models as JsonSchema;
  const plugin = properties.plugins as JsonSchema;
  const defs: Record<string, JsonSchema> = { ...configDefs, model: modelDefinition(models.items as JsonSchema, plugins) };
  for (const each of plugins) Object.assign(defs, frameworkDefinitions(each));
  const requirements = requiredUnlessDefaults(plugins);
  return {
    $schema: jsonSchemaDialect,
    title: 'uai config',
    description: describeSchema(plugins),
    type: config.type,
    properties: {
      ...properties,
      plugins: { ...plugin, items: { type: 'object', description: 'A plugin object (definePlugin): only a uai.config.ts or .js can hold one.' } },
      models: { ...models, items: { $ref: '#/$defs/model' } },
    },
    ...config,
    ...(requirements.length > 0 ? { allOf: requirements } : {}),
    $defs: defs,
  };
}
