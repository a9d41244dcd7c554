import { definePlugin, identifiers, relativePath, z } from '@uai/core';
import path from 'node:path';

const options = z.strictObject({
  confFile: relativePath()
    .refine((value) => identifiers.fileNamePattern.test(path.posix.basename(value)), {
      message: 'file name must be letters, digits and ._+- (it is copied into the image under that name)',
    })
    .describe('Your service config, relative to the config file; copied into the image under its own name.'),
});

export type SelfOptions = z.output<typeof options>;

/**
 * Self-defined: the user's base image and service config, used as given. No catalog, no generated
 * config, no model file check: the user's server knows what it needs.
 */
export default function self() {
  return definePlugin<SelfOptions>({
    name: '@uai/plugin-self',
    framework: 'self',
    description: 'Self-defined: your base image and your service config',
    options,
    requires: { mainClass: false, modelDir: false, baseImage: true },
    defaultAiArchV: 'self',
    catalog: [],
    modelFiles: () => [],
    serviceConfig: () => null,
    userConfigFile: (model) => model.options.confFile,
  });
}
