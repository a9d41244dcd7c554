import { definePlugin, identifiers, requiredString, z } from '@uai/core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const options = z.strictObject({
  modelName: requiredString().regex(identifiers.fileNamePattern, { message: 'must be a file base name like resnet (no folders)' }),
  opset: z.number().int().min(1).max(30).default(13),
});

export interface OnnxPluginOptions {
  /** Base image catalog path prefix. @default "uaishare" */
  namespace?: string;
}

/**
 * A third-party framework in one small package: `<modelName>.onnx` in modelDir, an `onnx` section in
 * the service config, its own base image and Dockerfile template.
 */
export default function onnx(pluginOptions: OnnxPluginOptions = {}) {
  const namespace = pluginOptions.namespace ?? 'uaishare';
  return definePlugin({
    name: 'uai-plugin-onnx',
    framework: 'onnx',
    description: 'ONNX models on onnxruntime (example third-party plugin)',
    options,
    defaultAiArchV: 'onnxruntime-1.16',
    catalog: [
      {
        aiArchV: 'onnxruntime-1.16',
        device: 'cpu',
        os: 'ubuntu-20.04',
        python: 'python-3.8',
        image: `${namespace}/cpu_uaiservice_ubuntu-20.04_python-3.8_onnxruntime-1.16:v1.0`,
      },
    ],
    modelFiles: (model) => [{ kind: 'file', key: 'modelName', path: path.posix.join(model.modelDir!, `${model.options.modelName}.onnx`) }],
    serviceConfig: (model) => ({
      key: 'onnx',
      section: { model_dir: model.modelDir, model_name: model.options.modelName, opset: model.options.opset },
    }),
    env: (model) => ({ ONNX_OPSET: String(model.options.opset) }),
    templates: { dockerfile: fileURLToPath(new URL('../templates/uaiservice.Dockerfile.hbs', import.meta.url)) },
  });
}
