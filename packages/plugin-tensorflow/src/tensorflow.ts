import { definePlugin, type BaseImageEntry, z } from '@uai/core';

/**
 * Every key of a tensorflow model that is not a common key (TF-Serving's `tag`, `signature`, `input`,
 * `output`, ...) is copied unchanged into the `tensorflow` section, so any JSON value is accepted.
 */
const options = z.record(z.string(), z.json());

export type TensorflowOptions = z.output<typeof options>;

const cpu14 = (version: string, tag = 'v1.2'): BaseImageEntry => ({
  aiArchV: `tensorflow-${version}`,
  device: 'cpu',
  os: 'ubuntu-14.04',
  python: 'python-2.7.6',
  image: `uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_tensorflow-${version}:${tag}`,
});
const cpu16 = (version: string, python: string, tag = 'v1.2'): BaseImageEntry => ({
  aiArchV: `tensorflow-${version}`,
  device: 'cpu',
  os: 'ubuntu-16.04',
  python,
  image: `uaishare/cpu_uaiservice_ubuntu-16.04_${python}_tensorflow-${version}:${tag}`,
});
const gpu = (version: string, os: string): BaseImageEntry => ({
  aiArchV: `tensorflow-${version}gpu`,
  device: 'gpu',
  os,
  python: 'python-2.7.6',
  image: `uaishare/gpu_uaiservice_${os}_python-2.7.6_tensorflow-${version}:v1.0`,
});

/** UCloud's tensorflow base images (uai-platform.md); per aiArchV the first entry is the default. */
export const tensorflowCatalog: readonly BaseImageEntry[] = [
  cpu14('1.1.0'),
  cpu14('1.4.0'),
  cpu16('1.3.0', 'python-3.6.2'),
  cpu16('1.6.0', 'python-2.7.6'),
  cpu16('1.6.0', 'python-2.7.6', 'v1.0'),
  cpu16('1.7.0', 'python-2.7'),
  cpu16('1.9.0', 'python-2.7'),
  cpu16('1.9.0', 'python-3.6'),
  gpu('1.6.0', 'ubuntu-14.04'),
  gpu('1.6.0', 'ubuntu-16.04'),
];

/** TensorFlow: modelDir must hold at least one file; extra model keys pass through to the section. */
export default function tensorflow() {
  return definePlugin<TensorflowOptions>({
    name: '@uai/plugin-tensorflow',
    framework: 'tensorflow',
    aliases: ['tf'],
    description: 'TensorFlow 1.x (SavedModel / checkpoint folder)',
    options,
    defaultAiArchV: 'tensorflow-1.9.0',
    catalog: tensorflowCatalog,
    modelFiles: (model) => [{ kind: 'non-empty-dir', key: 'modelDir', path: model.modelDir! }],
    serviceConfig: (model) => ({ key: 'tensorflow', section: { model_dir: model.modelDir, ...model.options } }),
  });
}
