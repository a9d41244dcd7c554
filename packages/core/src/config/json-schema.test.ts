import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, type UaiPlugin } from '../plugins/plugin.js';
import { PluginRegistry } from '../plugins/registry.js';
import { imageProblem, unsafeRelativePath } from './identifiers.js';
import { buildOnlyChecks, configJsonSchema, jsonSchemaDialect, type JsonSchema } from './json-schema.js';
import { imageJsonPattern, relativePath, relativePathPattern, requiredString } from './schema.js';
import { validateConfig } from './validate.js';

function plugin(framework: string, options: unknown, more: Partial<UaiPlugin> = {}): UaiPlugin {
  return definePlugin({
    name: `uai-plugin-${framework}`,
    framework,
    options: options as UaiPlugin['options'],
    defaultAiArchV: `${framework}-1`,
    catalog: [{ aiArchV: `${framework}-1`, device: 'cpu', os: 'ubuntu-16.04', python: 'python-3.6', image: `uaishare/${framework}:v1` }],
    modelFiles: () => [],
    serviceConfig: () => null,
    ...more,
  });
}

/** A strict framework, a pass-through one with an alias, one needing baseImage, one whose options are not zod. */
const plugins = new PluginRegistry([
  plugin('strict', z.strictObject({ weights: requiredString().describe('The weights file.'), file: relativePath().optional().describe('A file.') })),
  plugin('loose', z.record(z.string(), z.json()), { aliases: ['ls'] }),
  plugin('own', z.strictObject({}), { requires: { mainClass: false, modelDir: false, baseImage: true }, catalog: [] }),
  plugin('handmade', { safeParse: (value: unknown) => ({ success: true, data: value }) }),
]);
const schema = configJsonSchema(plugins);

function compile(json: JsonSchema) {
  // strict: no unknown keyword, no type left implicit; `required` of keys another branch defines is on purpose.
  return new Ajv2020({ strict: true, strictRequired: false }).compile(json);
}
const accepts = compile(schema);

const model = { name: 'm', framework: 'strict', packFilePath: 'code', mainModule: 'serve', mainClass: 'Model', modelDir: 'weights', image: 'app:v1' };
const config = (models: Record<string, unknown>[], top: Record<string, unknown> = {}) => ({ registry: { namespace: 'ns' }, ...top, models });

/** Paths of keys without a description, the way an editor would show them. */
function undescribed(json: JsonSchema, at = ''): string[] {
  return Object.entries(json.properties ?? {}).flatMap(([key, value]) =>
    typeof value === 'object' && !value.description ? [`${at}${key}`] : typeof value === 'object' ? undescribed(value, `${at}${key}.`) : [],
  );
}

describe('configJsonSchema', () => {
  it('is a draft 2020-12 schema that ajv compiles in strict mode', () => {
    expect(schema.$schema).toBe(jsonSchemaDialect);
    expect(new Ajv2020().validateSchema(schema)).toBe(true);
    expect(() => compile(schema)).not.toThrow();
  });

  it('describes every top-level key, every common model key and the options the plugins describe', () => {
    expect(Object.keys(schema.properties ?? {})).toEqual(['$schema', 'registry', 'defaults', 'concurrency', 'builder', 'plugins', 'models']);
    expect(undescribed(schema)).toEqual([]);
    const defs = schema.$defs ?? {};
    expect(undescribed(defs.model)).toEqual([]);
    expect(defs['framework-strict'].properties?.weights).toMatchObject({ description: 'The weights file.' });
    for (const check of buildOnlyChecks) expect(schema.description).toContain(check);
  });

  it('checks each model against its framework with if/then, aliases included', () => {
    const defs = schema.$defs ?? {};
    expect(defs.model.properties?.framework).toMatchObject({ enum: ['handmade', 'loose', 'ls', 'own', 'strict'] });
    expect(defs.model.allOf).toContainEqual({
      if: { type: 'object', properties: { framework: { enum: ['loose', 'ls'] } }, required: ['framework'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's keyword
      then: { $ref: '#/$defs/framework-loose' },
    });
    expect(defs['framework-strict']).toMatchObject({ additionalProperties: false, required: ['weights'] });
    // The loose plugin's own $defs (z.json() refers to itself) are moved under its name.
    expect(defs['framework-loose'].additionalProperties).toEqual({ $ref: '#/$defs/framework-loose.__schema0' });
    expect(defs['framework-loose.__schema0']).toBeDefined();
    expect(defs['framework-handmade']).toEqual({
      title: 'framework handmade (uai-plugin-handmade)',
      description: expect.stringContaining('uai build checks them'),
    });
  });

  it.each([
    { what: 'a strict model', models: [{ ...model, weights: 'w.bin' }], ok: true },
    { what: 'a key the strict plugin does not know', models: [{ ...model, weights: 'w.bin', extra: 1 }], ok: false },
    { what: 'a required option missing', models: [model], ok: false },
    { what: 'an unsafe path in an option', models: [{ ...model, weights: 'w', file: '../x' }], ok: false },
    { what: 'any key, by an alias, for the pass-through plugin', models: [{ ...model, framework: 'ls', tag: ['serve'], signature: { a: null } }], ok: true },
    { what: 'any key for the plugin without a zod schema', models: [{ ...model, framework: 'handmade', whatever: 1 }], ok: true },
    { what: 'baseImage missing where the plugin needs it', models: [{ name: 'm', framework: 'own', packFilePath: 'c', image: 'a:b' }], ok: false },
    { what: 'baseImage given', models: [{ name: 'm', framework: 'own', packFilePath: 'c', image: 'a:b', baseImage: 'x.io/b:1' }], ok: true },
    {
      what: 'baseImage and packFilePath from defaults',
      models: [{ name: 'm', framework: 'own', image: 'a:b' }],
      top: { defaults: { baseImage: 'x.io/b:1', packFilePath: 'c' } },
      ok: true,
    },
    { what: 'mainClass missing, with no defaults', models: [{ ...model, framework: 'loose', mainClass: undefined }], ok: false },
    { what: 'mainClass from defaults', models: [{ ...model, framework: 'loose', mainClass: undefined }], top: { defaults: { mainClass: 'M' } }, ok: true },
    { what: 'an unknown framework', models: [{ ...model, framework: 'pytorch' }], ok: false },
  ])('$what: ajv and validateConfig both say $ok', ({ models, top, ok }) => {
    const raw = JSON.parse(JSON.stringify(config(models, top)));
    expect([accepts(raw), validateConfig(raw, plugins).issues]).toEqual([ok, ok ? [] : expect.arrayContaining([expect.anything()])]);
  });

  it('refuses every framework when no plugin is installed, as validateConfig does', () => {
    const none = new PluginRegistry();
    const raw = config([{ ...model, weights: 'w' }]);
    expect(compile(configJsonSchema(none))(raw)).toBe(false);
    expect(validateConfig(raw, none).issues).not.toEqual([]);
  });
});

describe('the patterns JSON Schema gets for checks written as code', () => {
  const unicode = (pattern: RegExp) => new RegExp(pattern.source, 'u'); // as ajv and editors compile them
  const chars = ['a', 'Z', '0', '.', '..', '/', ':', '-', '_', ' ', '\\', '"', "'", '`', '\n', '\u2028', '\u007f', 'localhost', 'C:', '@'];
  const text = fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((parts) => parts.join(''));

  it('relativePathPattern accepts exactly what unsafeRelativePath accepts', () => {
    for (const value of ['code', './a/b', '.', 'a..b/c', '', '..', 'a/../..', '/abs', 'D:/x', 'D:\\x', 'a\nb', "john's", 'a\u2028/../b']) {
      expect([value, unicode(relativePathPattern).test(value)]).toEqual([value, unsafeRelativePath(value) === undefined]);
    }
    fc.assert(fc.property(text, (value) => unicode(relativePathPattern).test(value) === (unsafeRelativePath(value) === undefined)));
  });

  it('imageJsonPattern accepts exactly what imageProblem accepts', () => {
    for (const value of [
      'app:v1',
      'team/app:v1',
      'UPPER:tag',
      'app',
      'uhub.ucloud.cn/ns/app:v1',
      'localhost/app:v1',
      'my.models/app:v1',
      'a.b:v1',
      'h:5000/a:v1',
      '',
    ]) {
      expect([value, unicode(imageJsonPattern).test(value)]).toEqual([value, imageProblem(value) === undefined]);
    }
    const image = fc.tuple(text, fc.constantFrom('', ':v1', ':V.1-x')).map(([name, tag]) => `${name}${tag}`);
    fc.assert(fc.property(image, (value) => unicode(imageJsonPattern).test(value) === (imageProblem(value) === undefined)));
  });
});
