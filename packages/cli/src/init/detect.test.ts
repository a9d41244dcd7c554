import { describe, expect, it } from 'vitest';
import { detectModels, type Detection, type Listing } from './detect.js';

// Python sources of the shapes the platform's SDK examples have.
const caffePy =
  'import caffe\n\nclass MnistModel(CaffeAiUcloudModel):\n    def __init__(self, conf):\n        pass\n\n    def execute(self, data, batch_size):\n        return data\n';
const tfPy = 'class TfModel(TFAiUcloudModel):\n    def execute(self, data, batch_size):\n        return data\n';
const executeOnly = (name: string) => `class ${name}(object):\n    def execute(self, data, batch_size):\n        return data\n`;
const plain = (name: string) => `class ${name}(object):\n    def load(self):\n        pass\n`;

/** A listing of `files` (path -> text; the text matters only for .py files) in a folder named `proj`. */
function listing(files: Record<string, string>): Listing {
  const python = Object.fromEntries(Object.entries(files).filter(([file]) => file.endsWith('.py')));
  return { rootName: 'proj', files: Object.keys(files), python };
}

/** One line per proposal: `folder name: framework modelDir options | module.Class`, then ?model / ?class for each doubt. */
function summary(detection: Detection): string[] {
  return detection.proposals.map((proposal) => {
    const model = proposal.models[0]!;
    const options = Object.entries(model.options)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    const main = proposal.classes[0] ? `${proposal.classes[0].mainModule}.${proposal.classes[0].mainClass}` : '-';
    const doubts = `${proposal.modelDoubt ? ' ?model' : ''}${proposal.classDoubt ? ' ?class' : ''}`;
    return `${proposal.codeFolder} ${proposal.name}: ${model.framework}${model.modelDir !== undefined ? ` ${model.modelDir}` : ''} ${options} | ${main}${doubts}`;
  });
}

const caffeFolder = (at: string, name = 'mnist_model') => ({
  [`${at}/${name}.prototxt`]: '',
  [`${at}/${name}.caffemodel`]: '',
});

describe('detectModels: one framework each', () => {
  it.each<[string, Record<string, string>, string[]]>([
    [
      'caffe in a code folder named code (named after the project)',
      { ...caffeFolder('code/checkpoint_dir'), 'code/mnist_inference.py': caffePy },
      ['code proj: caffe checkpoint_dir modelName=mnist_model | mnist_inference.MnistModel'],
    ],
    [
      'caffe with the current folder as the code',
      { ...caffeFolder('checkpoint_dir', 'lenet'), 'serve.py': caffePy },
      ['. proj: caffe checkpoint_dir modelName=lenet | serve.MnistModel'],
    ],
    [
      'tensorflow SavedModel',
      { 'tf/export/saved_model.pb': '', 'tf/export/variables/variables.index': '', 'tf/serve.py': tfPy },
      ['tf tf: tensorflow export  | serve.TfModel'],
    ],
    [
      'tensorflow checkpoint (.index + .data-*)',
      { 'tf/ckpt/model.ckpt-1000.index': '', 'tf/ckpt/model.ckpt-1000.data-00000-of-00001': '', 'tf/ckpt/model.ckpt-1000.meta': '', 'tf/serve.py': tfPy },
      ['tf tf: tensorflow ckpt  | serve.TfModel'],
    ],
    ['tensorflow checkpoint (a checkpoint file)', { 'tf/ckpt/checkpoint': '', 'tf/serve.py': tfPy }, ['tf tf: tensorflow ckpt  | serve.TfModel']],
    ['tensorflow graph (.pb)', { 'tf/graph/frozen.pb': '', 'tf/serve.py': tfPy }, ['tf tf: tensorflow graph  | serve.TfModel']],
    [
      'keras .json + .h5',
      { 'k/model/net.json': '', 'k/model/net.h5': '', 'k/serve.py': executeOnly('KerasNet') },
      ['k k: keras model modelName=net,allOneFile=false,modelArchType=json | serve.KerasNet'],
    ],
    [
      'keras .yaml + .h5',
      { 'k/model/net.yaml': '', 'k/model/net.h5': '', 'k/serve.py': executeOnly('KerasNet') },
      ['k k: keras model modelName=net,allOneFile=false,modelArchType=yaml | serve.KerasNet'],
    ],
    [
      'mxnet symbol + params: numEpoch a number',
      { 'mx/model/mnist-symbol.json': '', 'mx/model/mnist-0010.params': '', 'mx/serve.py': executeOnly('MxNet') },
      ['mx mx: mxnet model modelName=mnist,numEpoch=10 | serve.MxNet'],
    ],
    [
      'xgboost file beside the code: modelName relative to packFilePath, no modelDir',
      { 'xgb/boost.model': '', 'xgb/serve.py': executeOnly('Boost') },
      ['xgb xgb: xgboost modelName=boost.model | serve.Boost'],
    ],
    [
      'xgboost file in a subfolder of the code',
      { 'xgb/model/boost.bst': '', 'xgb/serve.py': executeOnly('Boost') },
      ['xgb xgb: xgboost modelName=model/boost.bst | serve.Boost'],
    ],
    [
      'xgboost .json only when its name says xgb',
      { 'xgb/model/xgb_iris.json': '', 'xgb/model/labels.json': '', 'xgb/serve.py': executeOnly('Boost') },
      ['xgb xgb: xgboost modelName=model/xgb_iris.json | serve.Boost'],
    ],
    [
      'xgboost in a subfolder without code belongs to the current folder',
      { 'weights/boost.model': '', 'serve.py': executeOnly('Boost') },
      ['. proj: xgboost modelName=weights/boost.model | serve.Boost'],
    ],
  ])('%s', (_what, files, expected) => {
    expect(summary(detectModels(listing(files)))).toEqual(expected);
  });
});

describe('detectModels: doubtful guesses', () => {
  it.each<[string, Record<string, string>, string[], RegExp | undefined]>([
    [
      'two classes that both extend the base: the first, unsure',
      { ...caffeFolder('code/checkpoint_dir'), 'code/serve.py': `${caffePy}\n${caffePy.replace('MnistModel', 'OtherModel')}` },
      ['code proj: caffe checkpoint_dir modelName=mnist_model | serve.MnistModel ?class'],
      /2 classes look like the model class: MnistModel \(serve\.py\), OtherModel \(serve\.py\)/,
    ],
    [
      'a base class beats an execute method (sure)',
      { ...caffeFolder('code/m'), 'code/a.py': executeOnly('Plain'), 'code/b.py': caffePy },
      ['code proj: caffe m modelName=mnist_model | b.MnistModel'],
      undefined,
    ],
    [
      'an execute method beats a plain class (sure)',
      { ...caffeFolder('code/m'), 'code/a.py': plain('Helper'), 'code/b.py': executeOnly('Served') },
      ['code proj: caffe m modelName=mnist_model | b.Served'],
      undefined,
    ],
    [
      'only plain classes: unsure',
      { ...caffeFolder('code/m'), 'code/a.py': plain('Helper') },
      ['code proj: caffe m modelName=mnist_model | a.Helper ?class'],
      /the only class found \(Helper\) neither extends a \*AiUcloudModel base class nor has an execute\(\) method/,
    ],
    [
      'no class at all: no main class, unsure',
      { ...caffeFolder('code/m'), 'code/run.py': 'print(1)\n' },
      ['code proj: caffe m modelName=mnist_model | - ?class'],
      /no importable \.py file in code\/ defines a class/,
    ],
    [
      'two caffe model sets in one folder',
      { ...caffeFolder('code/m', 'a'), ...caffeFolder('code/m', 'b'), 'code/serve.py': caffePy },
      ['code proj: caffe m modelName=a | serve.MnistModel ?model'],
      /2 model sets found: caffe in m\/, caffe in m\//,
    ],
    [
      'two model folders of two frameworks in one code folder',
      { ...caffeFolder('code/caffe_dir'), 'code/tf_dir/saved_model.pb': '', 'code/serve.py': caffePy },
      ['code proj: caffe caffe_dir modelName=mnist_model | serve.MnistModel ?model'],
      /2 model sets found: caffe in caffe_dir\/, tensorflow in tf_dir\//,
    ],
    [
      'keras .h5 alone: one file (allOneFile), unsure',
      { 'k/model/net.h5': '', 'k/serve.py': executeOnly('KerasNet') },
      ['k k: keras model modelName=net,allOneFile=true | serve.KerasNet ?model'],
      /^model\/net\.h5 has no net\.json or net\.yaml beside it: taken as one file/,
    ],
    [
      'mxnet with several epochs: the latest, unsure',
      { 'mx/model/m-symbol.json': '', 'mx/model/m-0001.params': '', 'mx/model/m-0012.params': '', 'mx/model/m-0005.params': '', 'mx/s.py': executeOnly('M') },
      ['mx mx: mxnet model modelName=m,numEpoch=12 | s.M ?model'],
      /3 epochs saved \(12, 5, 1\): took the latest/,
    ],
    [
      'a sure model set ranks before a doubtful one',
      { 'k/a/net.h5': '', ...caffeFolder('k/b'), 'k/serve.py': caffePy },
      ['k k: caffe b modelName=mnist_model | serve.MnistModel ?model'],
      /2 model sets found: caffe in b\/, keras in a\//,
    ],
  ])('%s', (_what, files, expected, doubt) => {
    const detection = detectModels(listing(files));
    expect(summary(detection)).toEqual(expected);
    const proposal = detection.proposals[0]!;
    if (doubt) expect(`${proposal.modelDoubt ?? ''} ${proposal.classDoubt ?? ''}`).toMatch(doubt);
  });
});

describe('detectModels: nothing to propose', () => {
  it.each<[string, Record<string, string>, RegExp[]]>([
    ['an empty folder', {}, []],
    ['code without model files', { 'serve.py': caffePy, 'data/readme.txt': '', 'data/train.csv': '' }, []],
    [
      'caffe weights without the architecture',
      { 'code/m/net.caffemodel': '', 'code/serve.py': caffePy },
      [/^code\/m\/net\.caffemodel has no net\.prototxt beside it/],
    ],
    ['mxnet params without the symbol', { 'mx/m/net-0003.params': '', 'mx/s.py': caffePy }, [/^mx\/m\/net-0003\.params has no net-symbol\.json beside it/]],
    ['mxnet symbol without params', { 'mx/m/net-symbol.json': '', 'mx/s.py': caffePy }, [/^mx\/m\/net-symbol\.json has no net-NNNN\.params beside it/]],
    [
      'tensorflow data without its index',
      { 'tf/m/model.ckpt-1.data-00000-of-00001': '', 'tf/s.py': tfPy },
      [/^tf\/m\/model\.ckpt-1\.data-00000-of-00001 is checkpoint data without its \.index/],
    ],
    ['model files directly in the current folder (no model folder)', { 'net.prototxt': '', 'net.caffemodel': '', 'serve.py': caffePy }, []],
    ['model files two folders below a code folder', { ...caffeFolder('code/models/mnist'), 'code/serve.py': caffePy }, []],
    ['hidden folders and node_modules are not searched', { ...caffeFolder('.git/m'), ...caffeFolder('node_modules/pkg/m'), ...caffeFolder('code/.cache') }, []],
    ['.hdf5 weights (keras loads .h5)', { 'k/m/net.hdf5': '', 'k/s.py': caffePy }, [/^k\/m\/net\.hdf5 is not loaded by the keras plugin/]],
  ])('%s', (_what, files, notes) => {
    const detection = detectModels(listing(files));
    expect(detection.proposals).toEqual([]);
    expect(detection.notes).toHaveLength(notes.length);
    for (const [index, note] of notes.entries()) expect(detection.notes[index]).toMatch(note);
  });
});

describe('detectModels: code folders, modules and names', () => {
  it.each<[string, Record<string, string>, string[]]>([
    [
      'one model per code folder, folders in name order, the current folder first',
      {
        ...caffeFolder('m'),
        'serve.py': caffePy,
        'zeta/model/z.h5': '',
        'zeta/model/z.json': '',
        'zeta/s.py': executeOnly('Z'),
        ...caffeFolder('alpha/m'),
        'alpha/s.py': caffePy,
      },
      [
        '. proj: caffe m modelName=mnist_model | serve.MnistModel',
        'alpha alpha: caffe m modelName=mnist_model | s.MnistModel',
        'zeta zeta: keras model modelName=z,allOneFile=false,modelArchType=json | s.Z',
      ],
    ],
    [
      'a module in a package is dotted',
      { ...caffeFolder('code/m'), 'code/pkg/__init__.py': '', 'code/pkg/inference.py': caffePy },
      ['code proj: caffe m modelName=mnist_model | pkg.inference.MnistModel'],
    ],
    [
      'a .py file in a folder that is not a package cannot be imported by name',
      { ...caffeFolder('code/m'), 'code/scripts/serve.py': caffePy, 'code/main.py': plain('Helper') },
      ['code proj: caffe m modelName=mnist_model | main.Helper ?class'],
    ],
    [
      'setup.py and tests are not serving code',
      {
        ...caffeFolder('code/m'),
        'code/setup.py': caffePy,
        'code/test_model.py': caffePy,
        'code/model_test.py': caffePy,
        'code/serve.py': executeOnly('Serve'),
      },
      ['code proj: caffe m modelName=mnist_model | serve.Serve'],
    ],
    [
      'a file name that is not a module name is skipped',
      { ...caffeFolder('code/m'), 'code/my-model.py': caffePy, 'code/ok.py': executeOnly('Ok') },
      ['code proj: caffe m modelName=mnist_model | ok.Ok'],
    ],
    [
      'names are lowercase and made unique',
      {
        ...caffeFolder('My Model/m'),
        'My Model/s.py': caffePy,
        ...caffeFolder('my_model/m'),
        'my_model/s.py': caffePy,
        ...caffeFolder('my-model/m'),
        'my-model/s.py': caffePy,
      },
      [
        'My Model my-model: caffe m modelName=mnist_model | s.MnistModel',
        'my-model my-model-2: caffe m modelName=mnist_model | s.MnistModel',
        'my_model my_model: caffe m modelName=mnist_model | s.MnistModel',
      ],
    ],
    [
      'a folder name the config cannot hold (a quote) is left out, with a note',
      { ...caffeFolder("it's/m"), "it's/s.py": caffePy, ...caffeFolder('ok/m'), 'ok/s.py': caffePy },
      ['ok ok: caffe m modelName=mnist_model | s.MnistModel'],
    ],
    [
      'an xgboost file in a subfolder with code of its own belongs to that subfolder',
      { 'svc/boost.model': '', 'svc/serve.py': executeOnly('Boost'), 'main.py': executeOnly('Root') },
      ['svc svc: xgboost modelName=boost.model | serve.Boost'],
    ],
  ])('%s', (_what, files, expected) => {
    expect(summary(detectModels(listing(files)))).toEqual(expected);
  });

  it('gives the same proposals whatever the order of the listing', () => {
    const files = { ...caffeFolder('a/m'), 'a/s.py': caffePy, 'b/m/x.h5': '', 'b/m/x.json': '', 'b/s.py': caffePy };
    const forward = detectModels(listing(files));
    const reversed = detectModels({ ...listing(files), files: Object.keys(files).reverse() });
    expect(reversed).toEqual(forward);
  });

  it('says why each guess was made', () => {
    const [proposal] = detectModels(listing({ ...caffeFolder('code/m'), 'code/serve.py': caffePy })).proposals;
    expect(proposal!.models[0]).toMatchObject({ why: 'caffe .prototxt + .caffemodel', files: ['m/mnist_model.prototxt', 'm/mnist_model.caffemodel'] });
    expect(proposal!.classes[0]).toMatchObject({ file: 'serve.py', score: 3, why: 'extends CaffeAiUcloudModel, has execute()' });
  });
});
