import { checkInputs, previewModel } from '@uai/core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import xgboost from './xgboost.js';

const base = { framework: 'xgboost', mainModule: 'xgb_inference', mainClass: 'XgbModel', modelName: 'models/iris.model' };

describe('@uai/plugin-xgboost', () => {
  it('needs no modelDir and writes only model_name', async () => {
    const preview = await previewModel(xgboost(), base);
    expect(preview.issues).toEqual([]);
    expect(preview.serviceConfig).toEqual({
      http_server: { exec: { main_file: 'xgb_inference', main_class: 'XgbModel' }, xgboost: { model_name: 'models/iris.model' } },
    });
    expect(preview.plan?.baseImage).toBe('uhub.ucloud.cn/uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7.6_xgboost-0.7:v1.0');
  });

  it.each(['../iris.model', '/etc/passwd', 'a\nb'])('refuses modelName %j', async (modelName) => {
    const preview = await previewModel(xgboost(), { ...base, modelName });
    expect(preview.issues.map((issue) => issue.path)).toEqual(['models[0].modelName']);
  });

  it('checks the model file relative to packFilePath', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-xgb-'));
    mkdirSync(path.join(root, 'code', 'models'), { recursive: true });
    writeFileSync(path.join(root, 'code', `${base.mainModule}.py`), 'class X: pass\n');
    const { plan } = await previewModel(xgboost(), base, { root });
    await expect(checkInputs(plan!, root)).rejects.toThrow('modelName: code/models/iris.model does not exist');
    writeFileSync(path.join(root, 'code', 'models', 'iris.model'), 'x');
    await expect(checkInputs(plan!, root)).resolves.toBeUndefined();
  });
});
