import { describe, expect, it } from 'vitest';
import { formatPath, quoteValue } from './format.js';
import { ConfigError, errorInfo, isUaiError, UaiError, type UaiErrorCode } from './uai-error.js';

describe('formatPath', () => {
  it.each([
    { path: [], expected: '' },
    { path: ['registry'], expected: 'registry' },
    { path: ['registry', 'namespace'], expected: 'registry.namespace' },
    { path: ['models', 1, 'modelName'], expected: 'models[1].modelName' },
    { path: ['models', 0, 'options', 'tags', 2], expected: 'models[0].options.tags[2]' },
    { path: [0, 'name'], expected: '[0].name' },
    { path: ['models', 0, 'main class'], expected: 'models[0]["main class"]' },
    { path: ['models', 0, 'a.b'], expected: 'models[0]["a.b"]' },
    { path: ['models', 0, 'evil\nkey'], expected: 'models[0]["evil\\nkey"]' },
    { path: ['defaults', '$schema'], expected: 'defaults.$schema' },
  ])('$expected', ({ path, expected }) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('quoteValue', () => {
  it.each([
    { value: 'plain', expected: '"plain"' },
    { value: 'a\nb', expected: '"a\\nb"' },
    { value: 42, expected: '42' },
    { value: undefined, expected: 'undefined' },
    { value: 'x'.repeat(100), expected: `"${'x'.repeat(56)}..."` },
  ])('$expected', ({ value, expected }) => {
    expect(quoteValue(value)).toBe(expected);
  });
});

describe('UaiError', () => {
  it.each<{ code: UaiErrorCode; exitCode: number }>([
    { code: 'UAI_CONFIG_NOT_FOUND', exitCode: 2 },
    { code: 'UAI_CONFIG_LOAD_FAILED', exitCode: 2 },
    { code: 'UAI_CONFIG_INVALID', exitCode: 2 },
    { code: 'UAI_USAGE', exitCode: 2 },
    { code: 'UAI_PLUGIN_NOT_FOUND', exitCode: 2 },
    { code: 'UAI_PLUGIN_INVALID', exitCode: 2 },
    { code: 'UAI_PLUGIN_CONFLICT', exitCode: 2 },
    { code: 'UAI_BUILD_FAILED', exitCode: 1 },
    { code: 'UAI_AUTH_FAILED', exitCode: 1 },
    { code: 'UAI_MODEL_FILE_MISSING', exitCode: 1 },
  ])('$code exits $exitCode', ({ code, exitCode }) => {
    expect(new UaiError(code, 'x').exitCode).toBe(exitCode);
  });

  it('keeps the cause, model, step and plugin, and is recognised', () => {
    const cause = new Error('inner');
    const error = new UaiError('UAI_PUSH_FAILED', 'outer', { cause, model: 'mnist', step: 'push', plugin: '@uai/plugin-caffe' });
    expect(error).toMatchObject({ name: 'UaiError', message: 'outer', cause, model: 'mnist', step: 'push', plugin: '@uai/plugin-caffe' });
    expect(isUaiError(error)).toBe(true);
    expect(isUaiError(cause)).toBe(false);
    expect('cause' in new UaiError('UAI_USAGE', 'no cause')).toBe(false);
  });
});

describe('ConfigError', () => {
  it('lists every issue under the file, one per line; exit 2', () => {
    const error = new ConfigError(
      [
        { path: 'models[1].modelName', message: 'required for framework caffe' },
        { path: '', message: 'expected an object' },
      ],
      'uai.config.ts',
    );
    expect(error.exitCode).toBe(2);
    expect(error.issues).toHaveLength(2);
    expect(error.message).toMatchInlineSnapshot(`
      "The config in uai.config.ts is invalid:
        models[1].modelName: required for framework caffe
        expected an object"
    `);
  });
});

describe('errorInfo', () => {
  it.each([
    {
      name: 'a UaiError keeps its own step',
      error: new UaiError('UAI_PUSH_FAILED', 'x', { step: 'push' }),
      step: 'build',
      expected: { step: 'push', code: 'UAI_PUSH_FAILED', message: 'x' },
    },
    {
      name: 'a UaiError without a step takes the current one',
      error: new UaiError('UAI_BUILD_FAILED', 'y'),
      step: 'build',
      expected: { step: 'build', code: 'UAI_BUILD_FAILED', message: 'y' },
    },
    { name: 'any other error is internal', error: new TypeError('boom'), step: 'render', expected: { step: 'render', code: 'UAI_INTERNAL', message: 'boom' } },
    { name: 'a thrown string', error: 'odd', step: 'check', expected: { step: 'check', code: 'UAI_INTERNAL', message: 'odd' } },
  ])('$name', ({ error, step, expected }) => {
    expect(errorInfo(error, step)).toEqual(expected);
  });
});
