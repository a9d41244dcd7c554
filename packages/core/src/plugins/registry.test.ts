import caffe from '@uai/plugin-caffe';
import { describe, expect, it } from 'vitest';
import { UaiError } from '../errors/uai-error.js';
import type { UaiPlugin } from './plugin.js';
import { builtinPlugins } from './builtin-plugins.fixture.js';
import { pluginShapeProblems, PluginRegistry } from './registry.js';

function fake(name: string, framework: string, aliases?: string[]): UaiPlugin {
  return { ...caffe(), name, framework, aliases } as UaiPlugin;
}

function thrown(fn: () => unknown): UaiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UaiError);
    return error as UaiError;
  }
  throw new Error('expected a UaiError');
}

describe('PluginRegistry', () => {
  it('finds a plugin by framework and by alias', () => {
    const tf = fake('@uai/plugin-tensorflow', 'tensorflow', ['tf']);
    const registry = new PluginRegistry([caffe(), tf]);
    expect(registry.get('tf')).toBe(tf);
    expect(registry.get('tensorflow')).toBe(tf);
    expect(registry.has('caffe')).toBe(true);
    expect(registry.get('keras')).toBeUndefined();
    expect(registry.plugins().map((plugin) => plugin.name)).toEqual(['@uai/plugin-caffe', '@uai/plugin-tensorflow']);
  });

  it('accepts the same plugin object twice', () => {
    const plugin = caffe();
    const registry = new PluginRegistry([plugin, plugin]);
    expect(registry.plugins()).toEqual([plugin]);
  });

  it.each([
    {
      name: 'two plugins claiming one framework',
      plugins: [caffe(), fake('uai-plugin-caffe-fork', 'caffe')],
      message: 'Both @uai/plugin-caffe and uai-plugin-caffe-fork claim framework "caffe". Keep one of them in `plugins` (or uninstall one).',
    },
    {
      name: 'an alias claimed by another plugin',
      plugins: [fake('@uai/plugin-tensorflow', 'tensorflow', ['tf']), fake('uai-plugin-tflite', 'tflite', ['tf'])],
      message: 'Both @uai/plugin-tensorflow and uai-plugin-tflite claim framework "tf". Keep one of them in `plugins` (or uninstall one).',
    },
    {
      name: 'the same plugin given twice',
      plugins: [caffe(), caffe()],
      message: '@uai/plugin-caffe is given twice for framework "caffe". Keep one of them in `plugins`.',
    },
  ])('refuses $name: UAI_PLUGIN_CONFLICT, exit 2', ({ plugins, message }) => {
    const error = thrown(() => new PluginRegistry(plugins));
    expect(error.code).toBe('UAI_PLUGIN_CONFLICT');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(message);
  });

  it('leaves the registry as it was when a plugin conflicts', () => {
    const registry = new PluginRegistry([fake('uai-plugin-a', 'a')]);
    thrown(() => registry.add(fake('uai-plugin-b', 'b', ['a'])));
    expect(registry.has('b')).toBe(false);
    expect(registry.get('a')?.name).toBe('uai-plugin-a');
  });

  it('knows the built-in frameworks and the registered ones, sorted', () => {
    expect(new PluginRegistry([fake('uai-plugin-onnx', 'onnx')], builtinPlugins).knownFrameworks()).toEqual([
      'caffe',
      'keras',
      'mxnet',
      'onnx',
      'self',
      'tensorflow',
      'tf',
      'xgboost',
    ]);
  });
});

describe('pluginShapeProblems', () => {
  const valid = caffe() as unknown as Record<string, unknown>;
  const cases = [
    { name: 'a valid plugin', value: valid, expected: [] },
    { name: 'null', value: null, expected: ['it is not an object'] },
    { name: 'a factory not called', value: caffe, expected: ['it is not an object'] },
    { name: 'an array', value: [valid], expected: ['it is not an object'] },
    {
      name: 'an empty object',
      value: {},
      expected: [
        '`name` must be a string',
        '`framework` must be a lowercase name like caffe',
        '`defaultAiArchV` must be a string',
        '`catalog` must be an array',
        '`options` must be a zod schema',
        '`modelFiles` must be a function',
        '`serviceConfig` must be a function',
      ],
    },
    { name: 'an uppercase framework', value: { ...valid, framework: 'Caffe' }, expected: ['`framework` must be a lowercase name like caffe'] },
    { name: 'a framework that is a path', value: { ...valid, framework: '../caffe' }, expected: ['`framework` must be a lowercase name like caffe'] },
    { name: 'aliases not strings', value: { ...valid, aliases: ['tf', 3] }, expected: ['`aliases` must be an array of lowercase names'] },
    { name: 'options not a schema', value: { ...valid, options: { modelName: 'string' } }, expected: ['`options` must be a zod schema'] },
    { name: 'env not a function', value: { ...valid, env: { PYTHONPATH: '/x' } }, expected: ['`env` must be a function'] },
    { name: 'userConfigFile a string', value: { ...valid, userConfigFile: 'conf.json' }, expected: ['`userConfigFile` must be a function'] },
    {
      name: 'serviceConfig an object and catalog missing',
      value: { ...valid, serviceConfig: { key: 'caffe' }, catalog: undefined },
      expected: ['`catalog` must be an array', '`serviceConfig` must be a function'],
    },
  ];

  it.each(cases)('$name', ({ value, expected }) => {
    expect(pluginShapeProblems(value)).toEqual(expected);
  });
});
