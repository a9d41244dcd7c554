import { previewModel } from '@uai/core';
import { describe, expect, it } from 'vitest';
import onnx from './index.js';

describe('uai-plugin-onnx', () => {
  it('renders its section, its env and its own Dockerfile template', async () => {
    const preview = await previewModel(onnx(), {
      framework: 'onnx',
      mainModule: 'onnx_inference',
      mainClass: 'OnnxModel',
      modelDir: 'model',
      modelName: 'resnet',
    });
    expect(preview.issues).toEqual([]);
    expect(preview.serviceConfig).toEqual({
      http_server: { exec: { main_file: 'onnx_inference', main_class: 'OnnxModel' }, onnx: { model_dir: 'model', model_name: 'resnet', opset: 13 } },
    });
    expect(preview.dockerfile).toContain('LABEL ai.uai.plugin=uai-plugin-onnx');
    expect(preview.dockerfile).toContain('ENV ONNX_OPSET=13');
    expect(preview.plan?.baseImage).toBe('uhub.ucloud.cn/uaishare/cpu_uaiservice_ubuntu-20.04_python-3.8_onnxruntime-1.16:v1.0');
  });

  it('checks its own options', async () => {
    const preview = await previewModel(onnx(), { framework: 'onnx', mainModule: 'm', mainClass: 'M', modelDir: 'model', modelName: 'resnet', opset: 0 });
    expect(preview.issues.map((issue) => issue.path)).toEqual(['models[0].opset']);
  });
});
