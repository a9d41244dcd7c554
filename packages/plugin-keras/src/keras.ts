import { definePlugin, identifiers, requiredString, type BaseImageEntry, z } from '@uai/core';
import path from 'node:path';

const options = z.strictObject({
  modelName: requiredString()
    .regex(identifiers.fileNamePattern, { message: 'must be a file base name like mnist (no folders)' })
    .describe('Base name of the model files in modelDir.'),
  allOneFile: z.boolean().default(false).describe('One `<modelName>.h5` holds architecture and weights. @default false'),
  modelArchType: z
    .string()
    .regex(/^[a-z0-9]+$/, { message: 'must be a file extension like json or yaml' })
    .default('json')
    .describe('Extension of the architecture file when allOneFile is false. @default "json"'),
});

export type KerasOptions = z.output<typeof options>;

export const kerasCatalog: readonly BaseImageEntry[] = [
  {
    aiArchV: 'keras-1.2.0',
    device: 'cpu',
    os: 'ubuntu-14.04',
    python: 'python-2.7.6',
    image: 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_keras-1.2.0:v1.2',
  },
];

/** Keras: `<modelName>.h5`, plus `<modelName>.<modelArchType>` unless allOneFile. */
export default function keras() {
  return definePlugin<KerasOptions>({
    name: '@uai/plugin-keras',
    framework: 'keras',
    description: 'Keras 1.2 (.h5 weights, json/yaml architecture)',
    options,
    defaultAiArchV: 'keras-1.2.0',
    catalog: kerasCatalog,
    modelFiles: (model) => {
      const { modelName, allOneFile, modelArchType } = model.options;
      const file = (ext: string) => ({ kind: 'file' as const, key: 'modelName', path: path.posix.join(model.modelDir!, `${modelName}.${ext}`) });
      return allOneFile ? [file('h5')] : [file(modelArchType), file('h5')];
    },
    serviceConfig: (model) => ({
      key: 'keras',
      section: {
        model_dir: model.modelDir,
        model_name: model.options.modelName,
        all_one_file: model.options.allOneFile,
        model_arch_type: model.options.modelArchType,
      },
    }),
  });
}
