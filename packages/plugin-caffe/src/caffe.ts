import { definePlugin, identifiers, requiredString, type BaseImageEntry, z } from '@uai/core';
import path from 'node:path';

const options = z.strictObject({
  modelName: requiredString()
    .regex(identifiers.fileNamePattern, { message: 'must be a file base name like mnist_model (no folders)' })
    .describe('Base name of <modelName>.prototxt and <modelName>.caffemodel in modelDir.'),
});

export type CaffeOptions = z.output<typeof options>;

/** UCloud's caffe base images (uai-platform.md); the first of each aiArchV is its default. */
export const caffeCatalog: readonly BaseImageEntry[] = [
  {
    aiArchV: 'caffe-1.0.0',
    device: 'cpu',
    os: 'ubuntu-14.04',
    python: 'python-2.7.6',
    image: 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2',
  },
  {
    aiArchV: 'caffe-1.0.0gpu',
    device: 'gpu',
    os: 'ubuntu-14.04',
    python: 'python-2.7.6',
    image: 'uaishare/gpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.0',
  },
  {
    aiArchV: 'caffe-intel 1.0.0',
    device: 'mkl',
    os: 'ubuntu-14.04',
    python: 'python-2.7.6',
    image: 'uaishare/mkl_uaiservice_ubuntu-14.04_python-2.7.6_intel_caffe-1.0.0:v1.1',
  },
];

/** Caffe: `<modelName>.prototxt` and `<modelName>.caffemodel` in modelDir; pycaffe on PYTHONPATH. */
export default function caffe() {
  return definePlugin<CaffeOptions>({
    name: '@uai/plugin-caffe',
    framework: 'caffe',
    description: 'Caffe 1.0 (cpu, gpu, Intel MKL)',
    options,
    defaultAiArchV: 'caffe-1.0.0',
    catalog: caffeCatalog,
    modelFiles: (model) =>
      ['prototxt', 'caffemodel'].map((ext) => ({
        kind: 'file' as const,
        key: 'modelName',
        path: path.posix.join(model.modelDir!, `${model.options.modelName}.${ext}`),
      })),
    serviceConfig: (model) => ({
      key: 'caffe',
      section: { model_dir: model.modelDir, model_name: model.options.modelName },
    }),
    env: () => ({ PYTHONPATH: '/root/caffe/python' }),
  });
}
