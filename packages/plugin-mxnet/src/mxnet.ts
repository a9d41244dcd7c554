import { definePlugin, identifiers, requiredString, type BaseImageEntry, z } from '@uai/core';
import path from 'node:path';

const options = z.strictObject({
  modelName: requiredString()
    .regex(identifiers.fileNamePattern, { message: 'must be a checkpoint prefix like mnist (no folders)' })
    .describe('Checkpoint prefix: `<modelName>-symbol.json` and `<modelName>-<epoch>.params`.'),
  numEpoch: z
    .number({ error: (issue) => (issue.input === undefined ? 'required for framework mxnet' : 'expected a whole number') })
    .int({ message: 'expected a whole number' })
    .min(0, { message: 'must be 0 or more' })
    .max(9999, { message: 'must be at most 9999 (four digits in the file name)' })
    .describe('The checkpoint epoch to load.'),
});

export type MxnetOptions = z.output<typeof options>;

const image = (device: 'cpu' | 'gpu', version: string) => `uaishare/${device}_uaiservice_ubuntu-14.04_python-2.7.6_mxnet-${version}:v1.2`;

export const mxnetCatalog: readonly BaseImageEntry[] = [
  { aiArchV: 'mxnet-0.9.5', device: 'cpu', os: 'ubuntu-14.04', python: 'python-2.7.6', image: image('cpu', '0.9.5') },
  { aiArchV: 'mxnet-1.0.0', device: 'cpu', os: 'ubuntu-14.04', python: 'python-2.7.6', image: image('cpu', '1.0.0') },
  { aiArchV: 'mxnet-1.0.0gpu', device: 'gpu', os: 'ubuntu-14.04', python: 'python-2.7.6', image: image('gpu', '1.0.0') },
];

/** MXNet's checkpoint file names: the epoch is written with four digits. */
export function paramsFileName(modelName: string, epoch: number): string {
  return `${modelName}-${String(epoch).padStart(4, '0')}.params`;
}

export default function mxnet() {
  return definePlugin<MxnetOptions>({
    name: '@uai/plugin-mxnet',
    framework: 'mxnet',
    description: 'MXNet 0.9.5 / 1.0.0 (symbol + params checkpoint)',
    options,
    defaultAiArchV: 'mxnet-1.0.0',
    catalog: mxnetCatalog,
    modelFiles: (model) =>
      [`${model.options.modelName}-symbol.json`, paramsFileName(model.options.modelName, model.options.numEpoch)].map((name) => ({
        kind: 'file' as const,
        key: 'modelName',
        path: path.posix.join(model.modelDir!, name),
      })),
    serviceConfig: (model) => ({
      key: 'mxnet',
      section: { model_dir: model.modelDir, model_name: model.options.modelName, num_epoch: model.options.numEpoch },
    }),
  });
}
