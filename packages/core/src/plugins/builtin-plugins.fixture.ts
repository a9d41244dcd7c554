import type { BuiltinPlugins } from './registry.js';

/** The built-in frameworks as the CLI hands them in (packages/cli/src/builtin-plugins.ts): core's tests use this copy. */
export const builtinPlugins: BuiltinPlugins = {
  caffe: '@uai/plugin-caffe',
  tensorflow: '@uai/plugin-tensorflow',
  tf: '@uai/plugin-tensorflow',
  keras: '@uai/plugin-keras',
  mxnet: '@uai/plugin-mxnet',
  xgboost: '@uai/plugin-xgboost',
  self: '@uai/plugin-self',
};
