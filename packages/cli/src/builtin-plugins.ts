import type { BuiltinPlugins } from '@uai/core';

/**
 * The frameworks this CLI comes with, by `framework:` value and alias, and the package serving each (the
 * CLI depends on all of them). Core knows no framework: this table is handed to it. A project may install
 * its own version of a package; a framework not here is found as `uai-plugin-<framework>`.
 */
export const builtinPlugins: BuiltinPlugins = {
  caffe: '@uai/plugin-caffe',
  tensorflow: '@uai/plugin-tensorflow',
  // tensorflow's alias, which @uai/plugin-tensorflow declares (`aliases: ['tf']`).
  tf: '@uai/plugin-tensorflow',
  keras: '@uai/plugin-keras',
  mxnet: '@uai/plugin-mxnet',
  xgboost: '@uai/plugin-xgboost',
  self: '@uai/plugin-self',
};
