import type { PluginModel } from '@uai/core';
import { describe, expect, it } from 'vitest';
import caffe, { caffeCatalog, type CaffeOptions } from './caffe.js';

const plugin = caffe();

function model(overrides: Partial<PluginModel<CaffeOptions>> = {}): PluginModel<CaffeOptions> {
  return {
    name: 'mnist',
    framework: 'caffe',
    aiArchV: 'caffe-1.0.0',
    packFilePath: './code',
    mainModule: 'mnist_inference',
    mainClass: 'MnistModel',
    modelDir: 'checkpoint_dir',
    image: 'caffe-inference:test',
    os: 'ubuntu',
    pythonVersion: 'python-2.7.6',
    options: { modelName: 'mnist_model' },
    ...overrides,
  };
}

describe('@uai/plugin-caffe', () => {
  it('serves framework caffe, needs mainModule/mainClass/modelDir (the defaults), and defaults to cpu caffe-1.0.0', () => {
    expect(plugin).toMatchObject({ name: '@uai/plugin-caffe', framework: 'caffe', defaultAiArchV: 'caffe-1.0.0' });
    expect(plugin.requires).toBeUndefined();
    expect(caffeCatalog.find((entry) => entry.aiArchV === plugin.defaultAiArchV)?.device).toBe('cpu');
  });

  it("lists UCloud's caffe base images, as uai-platform.md names them", () => {
    expect(caffeCatalog.map((entry) => [entry.aiArchV, entry.image])).toEqual([
      ['caffe-1.0.0', 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2'],
      ['caffe-1.0.0gpu', 'uaishare/gpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.0'],
      ['caffe-intel 1.0.0', 'uaishare/mkl_uaiservice_ubuntu-14.04_python-2.7.6_intel_caffe-1.0.0:v1.1'],
    ]);
    for (const entry of caffeCatalog) expect(entry.image).toContain(`_${entry.os}_${entry.python}_`);
  });

  it.each([
    { name: 'modelDir as written', modelDir: 'checkpoint_dir' },
    { name: 'modelDir with ./', modelDir: './checkpoint_dir' },
    { name: 'a nested modelDir', modelDir: 'models/mnist/' },
  ])('puts model_dir and model_name in the service config: $name', ({ modelDir }) => {
    expect(plugin.serviceConfig(model({ modelDir }))).toEqual({ key: 'caffe', section: { model_dir: modelDir, model_name: 'mnist_model' } });
  });

  it.each([
    { modelDir: 'checkpoint_dir', expected: ['checkpoint_dir/mnist_model.prototxt', 'checkpoint_dir/mnist_model.caffemodel'] },
    { modelDir: './checkpoint_dir', expected: ['checkpoint_dir/mnist_model.prototxt', 'checkpoint_dir/mnist_model.caffemodel'] },
    { modelDir: '.', expected: ['mnist_model.prototxt', 'mnist_model.caffemodel'] },
  ])('needs <modelName>.prototxt and .caffemodel under modelDir $modelDir', ({ modelDir, expected }) => {
    const files = plugin.modelFiles(model({ modelDir }));
    expect(files.map((file) => file.path)).toEqual(expected);
    expect(files.every((file) => file.kind === 'file' && file.key === 'modelName')).toBe(true);
  });

  it('puts pycaffe on PYTHONPATH', () => {
    expect(plugin.env?.(model())).toEqual({ PYTHONPATH: '/root/caffe/python' });
  });

  it.each([
    { name: 'a model name', options: { modelName: 'mnist_model' }, ok: true },
    { name: 'a name with dots and dashes', options: { modelName: 'lenet-v1.2_final' }, ok: true },
    { name: 'no modelName', options: {}, ok: false, message: 'required' },
    { name: 'a folder in modelName', options: { modelName: 'sub/mnist' }, ok: false, message: 'must be a file base name like mnist_model (no folders)' },
    { name: 'a parent folder', options: { modelName: '..' }, ok: false, message: 'must be a file base name like mnist_model (no folders)' },
    { name: 'a newline', options: { modelName: 'a\nb' }, ok: false, message: 'must be a file base name like mnist_model (no folders)' },
    { name: 'a quote', options: { modelName: 'a"b' }, ok: false, message: 'must be a file base name like mnist_model (no folders)' },
    { name: 'a number', options: { modelName: 7 }, ok: false, message: 'expected a string, got number' },
  ])('options: $name', ({ options, ok, message }) => {
    const result = plugin.options.safeParse(options);
    expect(result.success).toBe(ok);
    if (!ok) expect(result.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it('refuses keys caffe does not take', () => {
    const result = plugin.options.safeParse({ modelName: 'm', numEpoch: 3 });
    expect(result.error?.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['numEpoch'] }]);
  });
});
