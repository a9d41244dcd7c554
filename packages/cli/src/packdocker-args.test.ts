import { describe, expect, it } from 'vitest';
import { configSource, flagForConfigPath, modelNameFromImage, parsePackdockerArgs } from './packdocker-args.js';

// The command line from UCloud's own caffe doc (seed-packdocker-caffe.txt), --model_name repeated.
const ucloudDoc = [
  '--public_key',
  'PUBKEY123',
  '--private_key',
  'PRIVKEY456',
  '--main_class',
  'MnistModel',
  '--main_module',
  'mnist_inference',
  '--model_dir',
  'checkpoint_dir',
  '--model_name',
  'mnist_model',
  '--pack_file_path',
  './code',
  '--uhub_username',
  'user@example.com',
  '--uhub_password',
  's3cret-pass',
  '--uhub_registry',
  'uai_demo',
  '--uhub_imagename',
  'caffe-inference:test',
  '--ai_arch_v',
  'caffe-1.0.0',
  '--in_host',
  'no',
  '--model_name',
  'mnist_model',
];

describe('parsePackdockerArgs', () => {
  it("takes UCloud's documented caffe command line", () => {
    const args = parsePackdockerArgs('caffe', ucloudDoc);
    expect(args.problems).toEqual([]);
    expect(args.model).toEqual({
      mainClass: 'MnistModel',
      mainModule: 'mnist_inference',
      modelDir: 'checkpoint_dir',
      modelName: 'mnist_model',
      packFilePath: './code',
      image: 'caffe-inference:test',
      aiArchV: 'caffe-1.0.0',
    });
    expect(args.registry).toEqual({ namespace: 'uai_demo', inUhost: false });
    expect(args.username).toBe('user@example.com');
    expect(args.password).toBe('s3cret-pass');
    expect(args.secrets).toEqual(expect.arrayContaining(['PUBKEY123', 'PRIVKEY456', 's3cret-pass']));
  });

  it.each([
    { name: 'two different model names', argv: ['--model_name', 'a', '--model_name', 'b'], problem: '--model_name is given twice with different values' },
    { name: 'in_uhost and in_host disagree', argv: ['--in_uhost', 'yes', '--in_host', 'no'], problem: '--in_host is given twice with different values' },
    { name: 'a bad yes/no', argv: ['--in_uhost', 'maybe'], problem: '--in_uhost takes yes/no or true/false' },
    { name: 'a bad epoch', argv: ['--num_epoch', '1e3'], problem: '--num_epoch takes a whole number' },
    { name: 'an unknown flag', argv: ['--mian_class', 'X'], problem: 'unknown flag --mian_class' },
    { name: 'a flag without value', argv: ['--main_class'], problem: '--main_class needs a value' },
  ])('$name is a problem', ({ argv, problem }) => {
    const args = parsePackdockerArgs('caffe', [...argv, '--pack_file_path', '.', '--uhub_registry', 'ns', '--uhub_imagename', 'i:t']);
    expect(args.problems.join('\n')).toContain(problem);
  });

  it('names the required flags that are missing', () => {
    expect(parsePackdockerArgs('caffe', []).problems).toEqual(['--pack_file_path is required', '--uhub_registry is required', '--uhub_imagename is required']);
  });

  it.each([
    { framework: 'tf', expected: 'tensorflow' },
    { framework: 'mxnet', expected: 'mxnet' },
  ])('framework $framework -> $expected', ({ framework, expected }) => {
    expect(parsePackdockerArgs(framework, []).framework).toBe(expected);
  });

  it('refuses an unknown framework', () => {
    expect(parsePackdockerArgs('pytorch', []).problems[0]).toContain('unknown framework "pytorch"');
  });

  it('parses typed flags: --flag=value, booleans and numbers', () => {
    const args = parsePackdockerArgs('keras', ['--all_one_file=true', '--num_epoch', '12', '--in_uhost', 'yes']);
    expect(args.model).toMatchObject({ allOneFile: true, numEpoch: 12 });
    expect(args.registry.inUhost).toBe(true);
  });
});

describe('modelNameFromImage', () => {
  it.each([
    { image: 'caffe-inference:test', name: 'caffe-inference' },
    { image: 'team/My_Model:v1', name: 'my_model' },
    { image: undefined, name: 'model' },
  ])('$image -> $name', ({ image, name }) => {
    expect(modelNameFromImage(image)).toBe(name);
  });
});

describe('configSource', () => {
  it('prints a uai.config.ts without credentials', () => {
    const args = parsePackdockerArgs('caffe', ucloudDoc);
    const source = configSource(args, { name: 'caffe-inference', framework: 'caffe', ...args.model });
    expect(source).toMatchInlineSnapshot(`
      "import { defineConfig } from '@uai/core';

      // Credentials: set UHUB_USERNAME and UHUB_PASSWORD in the environment (never in this file).
      export default defineConfig({
        registry: {
          namespace: "uai_demo",
          inUhost: false,
        },
        models: [
          {
            name: "caffe-inference",
            framework: "caffe",
            mainClass: "MnistModel",
            mainModule: "mnist_inference",
            modelDir: "checkpoint_dir",
            modelName: "mnist_model",
            packFilePath: "./code",
            image: "caffe-inference:test",
            aiArchV: "caffe-1.0.0",
          },
        ],
      });
      "
    `);
    expect(source).not.toContain('s3cret-pass');
    expect(source).not.toContain('PRIVKEY456');
  });
});

describe('flagForConfigPath', () => {
  it.each([
    { path: 'registry.namespace', flag: '--uhub_registry' },
    { path: 'models[0].modelName', flag: '--model_name' },
    { path: 'models[0].mainClass', flag: '--main_class' },
    { path: 'models[0].numEpoch', flag: '--num_epoch' },
    { path: 'models[0].image', flag: '--uhub_imagename' },
    { path: 'models[0].baseImage', flag: '--bimg_name' },
    { path: 'models[0].name', flag: '--uhub_imagename' },
    { path: 'env UAI_REGISTRY_HOST', flag: undefined },
  ])('$path -> $flag', ({ path, flag }) => {
    expect(flagForConfigPath(path)).toBe(flag);
  });
});
