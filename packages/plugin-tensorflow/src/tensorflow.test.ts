import { checkInputs, previewModel } from '@uai/core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import tensorflow from './tensorflow.js';

const base = { framework: 'tensorflow', mainModule: 'tf_inference', mainClass: 'TfModel', modelDir: './export' };

describe('@uai/plugin-tensorflow', () => {
  it('copies extra keys unchanged into the tensorflow section', async () => {
    const preview = await previewModel(tensorflow(), {
      ...base,
      tag: ['serve'],
      signature: 'predict_images',
      input: { name: 'images' },
      output: { name: 'scores' },
    });
    expect(preview.issues).toEqual([]);
    expect(preview.serviceConfig).toEqual({
      http_server: {
        exec: { main_file: 'tf_inference', main_class: 'TfModel' },
        tensorflow: { model_dir: './export', tag: ['serve'], signature: 'predict_images', input: { name: 'images' }, output: { name: 'scores' } },
      },
    });
  });

  it.each([
    {
      name: 'tf alias, default aiArchV',
      model: { framework: 'tf' },
      image: 'uhub.ucloud.cn/uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7_tensorflow-1.9.0:v1.2',
    },
    {
      name: 'python-3.6 picks the 3.6 image',
      model: { pythonVersion: 'python-3.6' },
      image: 'uhub.ucloud.cn/uaishare/cpu_uaiservice_ubuntu-16.04_python-3.6_tensorflow-1.9.0:v1.2',
    },
    {
      name: '1.6.0 takes the newest tag',
      model: { aiArchV: 'tensorflow-1.6.0' },
      image: 'uhub.ucloud.cn/uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7.6_tensorflow-1.6.0:v1.2',
    },
    {
      name: 'gpu on ubuntu-16.04',
      model: { aiArchV: 'tensorflow-1.6.0gpu', os: 'ubuntu-16.04' },
      image: 'uhub.ucloud.cn/uaishare/gpu_uaiservice_ubuntu-16.04_python-2.7.6_tensorflow-1.6.0:v1.0',
    },
  ])('base image: $name', async ({ model, image }) => {
    const preview = await previewModel(tensorflow(), { ...base, ...model });
    expect(preview.issues).toEqual([]);
    expect(preview.plan?.baseImage).toBe(image);
  });

  it('an unknown aiArchV lists the known ones and hints baseImage', async () => {
    const preview = await previewModel(tensorflow(), { ...base, aiArchV: 'tensorflow-2.0.0' });
    expect(preview.issues[0].path).toBe('models[0].aiArchV');
    expect(preview.issues[0].message).toContain('tensorflow-1.9.0');
    expect(preview.issues[0].message).toContain('baseImage');
  });

  it('needs at least one file in modelDir', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-tf-'));
    mkdirSync(path.join(root, 'code', 'export'), { recursive: true });
    writeFileSync(path.join(root, 'code', `${base.mainModule}.py`), 'class X: pass\n');
    const { plan } = await previewModel(tensorflow(), base, { root });
    await expect(checkInputs(plan!, root)).rejects.toThrow('modelDir: code/export is empty');
    writeFileSync(path.join(root, 'code', 'export', 'saved_model.pb'), 'pb');
    await expect(checkInputs(plan!, root)).resolves.toBeUndefined();
  });
});
