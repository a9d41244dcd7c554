import { checkInputs, previewModel } from '@uai/core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import mxnet, { paramsFileName } from './mxnet.js';

const base = { framework: 'mxnet', mainModule: 'mx_inference', mainClass: 'MxModel', modelDir: 'ckpt', modelName: 'resnet', numEpoch: 7 };

describe('@uai/plugin-mxnet', () => {
  it('writes num_epoch as a number', async () => {
    const preview = await previewModel(mxnet(), base);
    expect(preview.serviceConfig).toEqual({
      http_server: { exec: { main_file: 'mx_inference', main_class: 'MxModel' }, mxnet: { model_dir: 'ckpt', model_name: 'resnet', num_epoch: 7 } },
    });
  });

  it.each([
    { epoch: 0, file: 'resnet-0000.params' },
    { epoch: 7, file: 'resnet-0007.params' },
    { epoch: 1234, file: 'resnet-1234.params' },
  ])('epoch $epoch -> $file', ({ epoch, file }) => {
    expect(paramsFileName('resnet', epoch)).toBe(file);
  });

  it.each([
    { name: 'missing', model: { numEpoch: undefined }, message: 'required for framework mxnet' },
    { name: 'negative', model: { numEpoch: -1 }, message: 'must be 0 or more' },
    { name: 'fraction', model: { numEpoch: 1.5 }, message: 'expected a whole number' },
    { name: 'string', model: { numEpoch: '3' }, message: 'expected a whole number' },
  ])('numEpoch $name is an error naming the key', async ({ model, message }) => {
    const preview = await previewModel(mxnet(), { ...base, ...model });
    expect(preview.issues).toEqual([{ path: 'models[0].numEpoch', message }]);
  });

  it('checks the symbol file and the epoch params file', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-mxnet-'));
    mkdirSync(path.join(root, 'code', 'ckpt'), { recursive: true });
    writeFileSync(path.join(root, 'code', `${base.mainModule}.py`), 'class X: pass\n');
    writeFileSync(path.join(root, 'code', 'ckpt', 'resnet-symbol.json'), '{}');
    writeFileSync(path.join(root, 'code', 'ckpt', 'resnet-0006.params'), 'x');
    const { plan } = await previewModel(mxnet(), base, { root });
    await expect(checkInputs(plan!, root)).rejects.toThrow('modelName: code/ckpt/resnet-0007.params does not exist');
    writeFileSync(path.join(root, 'code', 'ckpt', 'resnet-0007.params'), 'x');
    await expect(checkInputs(plan!, root)).resolves.toBeUndefined();
  });
});
