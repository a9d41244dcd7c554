import { checkInputs, previewModel } from '@uai/core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import keras from './keras.js';

const base = { framework: 'keras', mainModule: 'keras_inference', mainClass: 'KerasModel', modelDir: 'model', modelName: 'mnist' };

describe('@uai/plugin-keras', () => {
  it.each([
    { name: 'defaults', model: {}, section: { model_dir: 'model', model_name: 'mnist', all_one_file: false, model_arch_type: 'json' } },
    { name: 'all in one file', model: { allOneFile: true }, section: { model_dir: 'model', model_name: 'mnist', all_one_file: true, model_arch_type: 'json' } },
    {
      name: 'yaml architecture',
      model: { modelArchType: 'yaml' },
      section: { model_dir: 'model', model_name: 'mnist', all_one_file: false, model_arch_type: 'yaml' },
    },
  ])('keras section: $name', async ({ model, section }) => {
    const preview = await previewModel(keras(), { ...base, ...model });
    expect(preview.issues).toEqual([]);
    expect(preview.serviceConfig).toEqual({ http_server: { exec: { main_file: 'keras_inference', main_class: 'KerasModel' }, keras: section } });
  });

  it('rejects a non-boolean allOneFile naming the key', async () => {
    const preview = await previewModel(keras(), { ...base, allOneFile: 'yes' });
    expect(preview.issues.map((issue) => issue.path)).toEqual(['models[0].allOneFile']);
  });

  it.each([
    { name: 'architecture + weights', model: {}, files: ['mnist.json', 'mnist.h5'], missing: 'mnist.json' },
    { name: 'one file', model: { allOneFile: true }, files: ['mnist.h5'], missing: 'mnist.h5' },
  ])('file check: $name', async ({ model, files, missing }) => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-keras-'));
    mkdirSync(path.join(root, 'code', 'model'), { recursive: true });
    writeFileSync(path.join(root, 'code', `${base.mainModule}.py`), 'class X: pass\n');
    const { plan } = await previewModel(keras(), { ...base, ...model }, { root });
    expect(plan!.modelFiles.map((file) => path.basename(file.path))).toEqual(files);
    await expect(checkInputs(plan!, root)).rejects.toThrow(`modelName: code/model/${missing} does not exist`);
    for (const file of files) writeFileSync(path.join(root, 'code', 'model', file), 'x');
    await expect(checkInputs(plan!, root)).resolves.toBeUndefined();
  });
});
