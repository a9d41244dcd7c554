import { definePlugin, relativePath, type BaseImageEntry, z } from '@uai/core';

const options = z.strictObject({
  modelName: relativePath().describe('The model file, relative to packFilePath.'),
});

export type XgboostOptions = z.output<typeof options>;

export const xgboostCatalog: readonly BaseImageEntry[] = [
  {
    aiArchV: 'xgboost-0.7',
    device: 'cpu',
    os: 'ubuntu-16.04',
    python: 'python-2.7.6',
    image: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7.6_xgboost-0.7:v1.0',
  },
];

/** XGBoost: one model file, named relative to packFilePath; no modelDir. */
export default function xgboost() {
  return definePlugin<XgboostOptions>({
    name: '@uai/plugin-xgboost',
    framework: 'xgboost',
    description: 'XGBoost 0.7 (one model file)',
    options,
    requires: { modelDir: false },
    defaultAiArchV: 'xgboost-0.7',
    catalog: xgboostCatalog,
    modelFiles: (model) => [{ kind: 'file', key: 'modelName', path: model.options.modelName }],
    serviceConfig: (model) => ({ key: 'xgboost', section: { model_name: model.options.modelName } }),
  });
}
