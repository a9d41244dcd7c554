import { checkInputs, loadConfigFile, prepareRun } from '@uai/core';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../builtin-plugins.js';
import type { ModelEntry } from './choose.js';
import { configSource } from './config-source.js';

const cliDir = fileURLToPath(new URL('../..', import.meta.url));

const caffe: ModelEntry = {
  name: 'mnist',
  framework: 'caffe',
  packFilePath: './code',
  mainModule: 'mnist_inference',
  mainClass: 'MnistModel',
  modelDir: 'checkpoint_dir',
  options: { modelName: 'mnist_model' },
  image: 'mnist:v1',
  files: ['checkpoint_dir/mnist_model.prototxt', 'checkpoint_dir/mnist_model.caffemodel'],
  unconfirmed: [],
};

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function project(files: Record<string, string>, source: string): Promise<string> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'uai-init-source-'));
  for (const [file, text] of Object.entries({ ...files, 'uai.config.ts': source })) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

describe('configSource', () => {
  it('writes defineConfig from @uai/core, a header on credentials, and each key of the model', () => {
    const source = configSource({ namespace: 'team_a', models: [{ ...caffe, aiArchV: 'caffe-1.0.0' }] });
    expect(source).toMatch(/^\/\/ Written by `uai init`/);
    expect(source).toContain('UHUB_USERNAME and UHUB_PASSWORD in the environment');
    expect(source).toContain("import { defineConfig } from '@uai/core';\n\nexport default defineConfig({\n");
    expect(source).toContain(
      [
        '    {',
        '      name: "mnist",',
        '      framework: "caffe",',
        '      aiArchV: "caffe-1.0.0",',
        '      packFilePath: "./code",',
        '      mainModule: "mnist_inference",',
        '      mainClass: "MnistModel",',
        '      modelDir: "checkpoint_dir",',
        '      modelName: "mnist_model",',
        '      image: "mnist:v1",',
        '    },',
      ].join('\n'),
    );
    expect(source).not.toContain('guessed');
  });

  it('marks a model whose doubtful guesses were taken without asking', () => {
    expect(configSource({ namespace: 'n', models: [{ ...caffe, unconfirmed: ['2 classes look like the model class'] }] })).toContain(
      '      // uai init guessed this model without asking (--yes): check its files and class.\n      name: "mnist",',
    );
  });

  it('keeps every string a string when loaded: quotes, backslashes, line breaks, comment ends', async () => {
    const evil = `a"); globalThis.injected = 1; ("\\'\n*/ // \u2028 \${x}`;
    const source = configSource({ namespace: evil, models: [{ ...caffe, name: evil, packFilePath: `${evil}'` }] });
    const cwd = await project({}, source);
    const loaded = await loadConfigFile({ cwd });
    const config = loaded!.config as { registry: { namespace: string }; models: Array<{ name: string; packFilePath: string }> };
    expect(config.registry.namespace).toBe(evil);
    expect(config.models[0]!.name).toBe(evil);
    expect(config.models[0]!.packFilePath).toBe(`${evil}'`);
    expect((globalThis as { injected?: number }).injected).toBeUndefined();
  });

  it('writes what uai build accepts for every framework, numbers and booleans as such', async () => {
    const model = (name: string, framework: ModelEntry['framework'], options: ModelEntry['options'], modelDir?: string): ModelEntry => ({
      ...caffe,
      name,
      framework,
      packFilePath: `./${name}`,
      mainModule: 'serve',
      mainClass: 'Model',
      ...(modelDir ? { modelDir } : { modelDir: undefined }),
      options,
      image: `${name}:v1`,
    });
    const models = [
      model('mx', 'mxnet', { modelName: 'net', numEpoch: 7 }, 'm'),
      model('k', 'keras', { modelName: 'net', allOneFile: true }, 'm'),
      model('ky', 'keras', { modelName: 'net', allOneFile: false, modelArchType: 'yaml' }, 'm'),
      model('tf', 'tensorflow', {}, 'm'),
      model('xgb', 'xgboost', { modelName: 'm/boost.model' }),
    ].map(({ modelDir, ...entry }) => (modelDir ? { ...entry, modelDir } : entry));
    const source = configSource({ namespace: 'team_a', models });
    expect(source).toContain('numEpoch: 7,');
    expect(source).toContain('allOneFile: true,');
    const files = {
      'mx/serve.py': '',
      'mx/m/net-symbol.json': '',
      'mx/m/net-0007.params': '',
      'k/serve.py': '',
      'k/m/net.h5': '',
      'ky/serve.py': '',
      'ky/m/net.h5': '',
      'ky/m/net.yaml': '',
      'tf/serve.py': '',
      'tf/m/saved_model.pb': '',
      'xgb/serve.py': '',
      'xgb/m/boost.model': '',
    };
    const cwd = await project(files, source);
    const run = await prepareRun({ cwd, env: {}, fallbackFrom: cliDir, builtin: builtinPlugins });
    expect(run.plans.map((plan) => plan.name)).toEqual(['mx', 'k', 'ky', 'tf', 'xgb']);
    for (const plan of run.plans) await checkInputs(plan, run.root);
    expect(run.plans[0]!.serviceConfig).toMatchObject({ http_server: { mxnet: { num_epoch: 7 } } });
  });
});
