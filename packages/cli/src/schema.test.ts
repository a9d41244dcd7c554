// Verdict parity: for each config, ajv with the JSON Schema `uai schema` prints and validateConfig (what
// `uai build` runs) with the same, real, plugins must both accept it or both refuse it; the "uai build only"
// rows are what the schema says it leaves to uai build (buildOnlyChecks): ajv accepts, validateConfig refuses.
import { configJsonSchema, identifiers, PluginRegistry, validateConfig } from '@uai/core';
import caffe from '@uai/plugin-caffe';
import keras from '@uai/plugin-keras';
import mxnet from '@uai/plugin-mxnet';
import self from '@uai/plugin-self';
import tensorflow from '@uai/plugin-tensorflow';
import xgboost from '@uai/plugin-xgboost';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPlugins } from './builtin-plugins.js';

const plugins = new PluginRegistry([caffe(), tensorflow(), keras(), mxnet(), xgboost(), self()], builtinPlugins);
const accepts = new Ajv2020({ strict: true, strictRequired: false }).compile(configJsonSchema(plugins));

type Raw = Record<string, unknown>;

/** The README's "Config" example, as JSON. */
const readme = {
  registry: { host: 'uhub.ucloud.cn', internalHost: 'uhub.service.ucloud.cn', inUhost: false, namespace: 'uai_demo' },
  defaults: { os: 'ubuntu', pythonVersion: 'python-2.7.6' },
  concurrency: 4,
  models: [
    {
      name: 'mnist',
      framework: 'caffe',
      aiArchV: 'caffe-1.0.0',
      packFilePath: './examples/caffe-mnist/code',
      mainModule: 'mnist_inference',
      mainClass: 'MnistModel',
      modelDir: 'checkpoint_dir',
      modelName: 'mnist_model',
      image: 'caffe-inference:test',
    },
  ],
};
const mnist: Raw = readme.models[0];
const code = { packFilePath: 'code', mainModule: 'serve', mainClass: 'Model', modelDir: 'model' };

/** The README example with its model changed (`undefined` removes a key) or other models. */
function withModel(change: Raw, top: Raw = {}): Raw {
  return { ...readme, ...top, models: [{ ...mnist, ...change }] };
}
function withModels(models: Raw[], top: Raw = {}): Raw {
  return { ...readme, ...top, models };
}

const perFramework = {
  caffe: mnist,
  tensorflow: { name: 'tf-a', framework: 'tensorflow', ...code, image: 'tf-a:v1' },
  tf: { name: 'tf-b', framework: 'tf', ...code, image: 'tf-b:v1', aiArchV: 'tensorflow-1.9.0' },
  keras: { name: 'keras', framework: 'keras', ...code, modelName: 'digits', allOneFile: true, modelArchType: 'yaml', image: 'keras:v2' },
  mxnet: { name: 'mxnet', framework: 'mxnet', ...code, modelName: 'mnist', numEpoch: 10, image: 'mxnet:v1' },
  xgboost: { name: 'xgb', framework: 'xgboost', packFilePath: 'code', mainModule: 'serve', mainClass: 'Model', modelName: 'models/xgb.model', image: 'xgb:v1' },
  self: { name: 'own', framework: 'self', packFilePath: 'code', baseImage: 'uhub.ucloud.cn/team/base:v1', confFile: 'conf/service.json', image: 'own:v1' },
};

/** The JSON config of the README's "Editor support" section. */
const readmeJson: Raw = JSON.parse(
  /## Editor support[\s\S]*?```json\n([\s\S]*?)```/.exec(readFileSync(new URL('../../../README.md', import.meta.url), 'utf8'))![1],
);

const valid: [string, Raw][] = [
  ['the README\'s JSON config with "$schema"', readmeJson],
  ['the README example', readme],
  ['the README example with "$schema"', { $schema: './node_modules/@uai/cli/schema.json', ...readme }],
  ['one model per framework, with their keys (tf: the alias)', withModels(Object.values(perFramework))],
  [
    'a tensorflow model with extra keys, passed through',
    withModels([{ ...perFramework.tensorflow, tag: 'serve', signature: 'predict', input: { images: 'x:0' }, output: ['y:0', null, 3] }]),
  ],
  ['defaults carrying packFilePath and os', withModel({ packFilePath: undefined }, { defaults: { packFilePath: 'code', os: 'ubuntu-16.04' } })],
  [
    'defaults carrying mainModule, mainClass and modelDir',
    withModel({ mainModule: undefined, mainClass: undefined, modelDir: undefined }, { defaults: { mainModule: 'm', mainClass: 'M', modelDir: 'd' } }),
  ],
  ['defaults carrying baseImage for self', withModels([{ ...perFramework.self, baseImage: undefined }], { defaults: { baseImage: 'ubuntu:16.04' } })],
  ['keras without its optional keys', withModels([{ ...perFramework.keras, allOneFile: undefined, modelArchType: undefined }])],
  ['a caffe model with baseImage bypassing the catalog', withModel({ baseImage: 'localhost:5000/base/caffe:1' })],
  ['builder native, concurrency 1, registry defaults', { ...readme, registry: { namespace: 'ns' }, builder: 'native', concurrency: 1, defaults: undefined }],
  ['a packFilePath of "."', withModel({ packFilePath: '.' })],
];

const invalid: [string, Raw][] = [
  ['missing registry.namespace', { ...readme, registry: { host: 'uhub.ucloud.cn' } }],
  ['an uppercase namespace', { ...readme, registry: { namespace: 'UAI_Demo' } }],
  ['an unknown top-level key', { ...readme, model: [] }],
  ['an unknown registry key', { ...readme, registry: { namespace: 'ns', password: 'x' } }],
  ['an unknown model key for caffe', withModel({ modelFile: 'x' })],
  ['a credential-like key for caffe', withModel({ uhubPassword: 'x' })],
  ['missing modelName for caffe', withModel({ modelName: undefined })],
  ['a wrong type of concurrency', { ...readme, concurrency: '4' }],
  ['a concurrency that is not whole', { ...readme, concurrency: 1.5 }],
  ['a concurrency of 0', { ...readme, concurrency: 0 }],
  ['a builder not in the enum', { ...readme, builder: 'podman' }],
  ['a bad image UPPER:tag', withModel({ image: 'UPPER:tag' })],
  ['an image without a tag', withModel({ image: 'caffe-inference' })],
  ['an image starting with a registry host', withModel({ image: 'uhub.ucloud.cn/uai_demo/caffe:v1' })],
  ['an absolute packFilePath', withModel({ packFilePath: '/home/me/code' })],
  ['.. in modelDir', withModel({ modelDir: 'checkpoint_dir/../..' })],
  ['an unknown framework', withModel({ framework: 'pytorch' })],
  ['a framework in the wrong case', withModel({ framework: 'Caffe' })],
  ['no models', { ...readme, models: [] }],
  ['a model that is not an object', { ...readme, models: ['mnist'] }],
  ['packFilePath neither in the model nor in defaults', withModel({ packFilePath: undefined })],
  ['mainClass neither in the model nor in defaults', withModel({ mainClass: undefined })],
  ['an unsafe packFilePath in defaults', withModel({ packFilePath: undefined }, { defaults: { packFilePath: '../elsewhere' } })],
  ['a framework key in defaults', { ...readme, defaults: { modelName: 'x' } }],
  ['self without baseImage', withModels([{ ...perFramework.self, baseImage: undefined }])],
  ['self without confFile', withModels([{ ...perFramework.self, confFile: undefined }])],
  ['mxnet without numEpoch', withModels([{ ...perFramework.mxnet, numEpoch: undefined }])],
  ['mxnet with a fractional numEpoch', withModels([{ ...perFramework.mxnet, numEpoch: 1.5 }])],
  ['keras with a wrong type of allOneFile', withModels([{ ...perFramework.keras, allOneFile: 'yes' }])],
  ['xgboost with an absolute modelName', withModels([{ ...perFramework.xgboost, modelName: '/models/xgb.model' }])],
  ['a bad model name', withModel({ name: 'MNIST' })],
  ['a bad aiArchV', withModel({ aiArchV: '-caffe' })],
];

/** What the schema leaves to uai build (buildOnlyChecks): ajv accepts, validateConfig refuses. */
const buildOnly: [string, Raw][] = [
  ['two models with one name', withModels([mnist, { ...mnist, image: 'other:v1' }])],
  ['two models with one image', withModels([mnist, { ...mnist, name: 'other' }])],
  ['a common key in another case, passed through by tensorflow', withModels([{ ...perFramework.tensorflow, pythonversion: 'python-3.6' }])],
  ['a credential-like key, passed through by tensorflow', withModels([{ ...perFramework.tensorflow, password: 'hunter2' }])],
  ["self's confFile whose file name has a space (the plugin's own check)", withModels([{ ...perFramework.self, confFile: 'conf/my service.json' }])],
];

/** What self's confFile refinement (code, not schema) asks of the file name. */
const confFileNameOk = (confFile: string) => identifiers.fileNamePattern.test(path.posix.basename(confFile));

/** The config as JSON would give it (no `undefined` keys). */
const json = (raw: Raw): Raw => JSON.parse(JSON.stringify(raw));
const verdicts = (raw: Raw) => ({ ajv: accepts(json(raw)), uaiBuild: validateConfig(json(raw), plugins).issues.length === 0 });

describe('uai schema: ajv and uai build agree', () => {
  it.each(valid)('valid: %s', (_name, raw) => {
    expect(verdicts(raw)).toEqual({ ajv: true, uaiBuild: true });
  });

  it.each(invalid)('invalid: %s', (_name, raw) => {
    expect(verdicts(raw)).toEqual({ ajv: false, uaiBuild: false });
  });

  it.each(buildOnly)('uai build only: %s', (_name, raw) => {
    expect(verdicts(raw)).toEqual({ ajv: true, uaiBuild: false });
  });

  it('on generated configs too: valid models with a key removed or changed, defaults or none', () => {
    const keys = [
      'framework',
      'packFilePath',
      'mainModule',
      'mainClass',
      'modelDir',
      'baseImage',
      'modelName',
      'numEpoch',
      'confFile',
      'allOneFile',
      'aiArchV',
    ];
    const values = [undefined, 'code', '/abs', 'a/../..', 'Model', '1x', 'ubuntu:16.04', 'UPPER/x:1', 3, -1, true, 'no', 'mnist', 'conf/a.json', 'tf', 'onnx'];
    const change = fc.record({ key: fc.constantFrom(...keys), value: fc.constantFrom(...values) });
    const model = fc.tuple(fc.constantFrom(...Object.values(perFramework)), fc.array(change, { maxLength: 1 }));
    const some = <T>(...choices: T[]) => fc.constantFrom(...choices);
    const defaults = fc.record(
      { packFilePath: some('code', '..'), mainClass: some('Model', 'a b'), modelDir: some('model'), baseImage: some('ubuntu:16.04'), os: some('ubuntu', '') },
      { requiredKeys: [] },
    );
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(model, { minLength: 1, maxLength: 2 }), fc.option(defaults, { nil: undefined }), (models, defaultKeys) => {
        const raw = withModels(
          models.map(([template, changes], index) => ({
            ...template,
            ...Object.fromEntries(changes.map(({ key, value }) => [key, value])),
            name: `m${index}`,
            image: `m${index}:v1`,
          })),
          { defaults: defaultKeys },
        );
        // Leave out the one build-only rule these values can reach: self's own check of confFile's file name.
        fc.pre(!(raw.models as Raw[]).some((each) => each.framework === 'self' && typeof each.confFile === 'string' && !confFileNameOk(each.confFile)));
        const { ajv, uaiBuild } = verdicts(raw);
        seen[ajv ? 'accepted' : 'refused'] += 1;
        return ajv === uaiBuild;
      }),
      { numRuns: 1000 },
    );
    // Both verdicts were exercised, not only one of them.
    expect(seen.accepted).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(100);
  });
});
