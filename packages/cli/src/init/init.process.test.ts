// `uai init` through the real binary, without a terminal: what it writes for each framework is what
// `uai build --dry-run` then plans; it refuses (2) and writes nothing when a config exists, when nothing
// is found, or when a guess is doubtful and neither a terminal nor --yes can settle it.
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, repoRoot, runUai, type Project } from '../../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

const servePy = (name: string, base = 'object') => `class ${name}(${base}):\n    def execute(self, data, batch_size):\n        return data\n`;

/** A project with these files (path -> text) and no config; `caffe` copies the caffe example's code to that folder. */
async function initProject(files: Record<string, string>, caffe?: string): Promise<Project> {
  project = await createProject({ models: [] });
  await rm(path.join(project.dir, 'uai.config.json'));
  if (caffe) await cp(path.join(repoRoot, 'examples/caffe-mnist/code'), path.join(project.dir, caffe), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(project.dir, file)), { recursive: true });
    await writeFile(path.join(project.dir, file), text);
  }
  return project;
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
const configText = (p: Project) => readFile(path.join(p.dir, 'uai.config.ts'), 'utf8');

async function dryRunStatuses(p: Project): Promise<Record<string, string>> {
  const result = await runUai(p, ['build', '--dry-run', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return Object.fromEntries((JSON.parse(result.stdout).models as { name: string; status: string }[]).map((model) => [model.name, model.status]));
}

describe('uai init --yes writes a config uai build --dry-run plans', () => {
  it.each<[string, Record<string, string>, string | undefined, string[]]>([
    [
      'caffe (the example)',
      {},
      'mnist',
      ['framework: "caffe"', 'packFilePath: "./mnist"', 'modelDir: "checkpoint_dir"', 'modelName: "mnist_model"', 'mainClass: "MnistModel"'],
    ],
    [
      'tensorflow SavedModel',
      { 'tf/serve.py': servePy('TfModel', 'TFAiUcloudModel'), 'tf/export/saved_model.pb': 'pb', 'tf/export/variables/variables.index': 'i' },
      undefined,
      ['framework: "tensorflow"', 'aiArchV: "tensorflow-1.9.0"', 'modelDir: "export"', 'mainClass: "TfModel"'],
    ],
    [
      'tensorflow checkpoint',
      { 'tf/serve.py': servePy('TfModel'), 'tf/ckpt/model.ckpt-5.index': 'i', 'tf/ckpt/model.ckpt-5.data-00000-of-00001': 'd', 'tf/ckpt/checkpoint': 'c' },
      undefined,
      ['framework: "tensorflow"', 'modelDir: "ckpt"'],
    ],
    [
      'keras json + h5',
      { 'keras/serve.py': servePy('Net', 'KerasAiUcloudModel'), 'keras/model/net.json': '{}', 'keras/model/net.h5': 'w' },
      undefined,
      ['framework: "keras"', 'modelName: "net"', 'allOneFile: false', 'modelArchType: "json"'],
    ],
    [
      'keras h5 alone (a doubt --yes takes)',
      { 'keras/serve.py': servePy('Net'), 'keras/model/net.h5': 'w' },
      undefined,
      ['framework: "keras"', 'allOneFile: true', '// uai init guessed this model without asking'],
    ],
    [
      'mxnet, the latest of two epochs',
      {
        'mx/serve.py': servePy('Mx', 'MXNetAiUcloudModel'),
        'mx/model/net-symbol.json': '{}',
        'mx/model/net-0002.params': 'p',
        'mx/model/net-0011.params': 'p',
      },
      undefined,
      ['framework: "mxnet"', 'modelName: "net"', 'numEpoch: 11,'],
    ],
    [
      'xgboost',
      { 'xgb/serve.py': servePy('Boost'), 'xgb/model/iris.model': 'm' },
      undefined,
      ['framework: "xgboost"', 'modelName: "model/iris.model"', 'packFilePath: "./xgb"'],
    ],
  ])('%s', async (_what, files, caffe, fragments) => {
    const p = await initProject(files, caffe);
    const result = await runUai(p, ['init', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    const source = await configText(p);
    for (const fragment of fragments) expect(source).toContain(fragment);
    // xgboost's modelName is the file: no modelDir, which `uai build` would check as a folder.
    if (source.includes('framework: "xgboost"')) expect(source).not.toContain('modelDir');
    const statuses = await dryRunStatuses(p);
    expect(Object.values(statuses)).toEqual(['planned']);
    expect(result.stdout).toContain(`Wrote uai.config.ts with 1 model:`);
    expect(result.stdout).toContain('uai build --dry-run');
  });

  it('writes one model per code folder, and says what it found for each', async () => {
    const p = await initProject(
      {
        'tf/serve.py': servePy('TfModel'),
        'tf/export/saved_model.pb': 'pb',
        'xgb/serve.py': servePy('Boost'),
        'xgb/boost.bst': 'm',
        'mx/serve.py': servePy('Mx'),
        'mx/model/net-symbol.json': '{}',
        'mx/model/net-0003.params': 'p',
      },
      'caffe',
    );
    const result = await runUai(p, ['init', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect(await dryRunStatuses(p)).toEqual({ caffe: 'planned', mx: 'planned', tf: 'planned', xgb: 'planned' });
    expect(result.stdout).toContain('Wrote uai.config.ts with 4 models:');
    expect(result.stdout).toMatch(
      / {2}caffe {2}\(caffe, code in \.\/caffe, image caffe:v1\)\n {4}model files: checkpoint_dir\/mnist_model\.prototxt, checkpoint_dir\/mnist_model\.caffemodel\n {4}main class: {2}MnistModel in mnist_inference/,
    );
    expect(result.stdout).toMatch(/ {2}xgb {2}\(xgboost, code in \.\/xgb, image xgb:v1\)\n {4}model files: boost\.bst/);
    expect(result.stdout).toContain(`registry.namespace: ${path.basename(p.dir).toLowerCase()} (from the folder's name`);
  });
});

describe('uai init refuses, writing nothing', () => {
  it.each<[string, string, string, string]>([
    ['uai.config.ts', 'uai.config.ts', 'export default {};\n', 'uai.config.ts already exists'],
    ['uai.config.json', 'uai.config.json', '{"registry": {}}', 'uai.config.json already exists'],
    ['.uairc', '.uairc', 'registry: {}\n', '.uairc already exists'],
    ['a "uai" key in package.json', 'package.json', '{"name": "x", "uai": {"models": []}}\n', 'package.json ("uai" key) already exists'],
  ])('when %s exists (exit 2, the file untouched)', async (_what, file, text, message) => {
    const p = await initProject({ [file]: text }, 'mnist');
    const result = await runUai(p, ['init', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('never overwrites');
    expect(await readFile(path.join(p.dir, file), 'utf8')).toBe(text);
    expect(await exists(path.join(p.dir, '.gitignore'))).toBe(false);
    if (file !== 'uai.config.ts') expect(await exists(path.join(p.dir, 'uai.config.ts'))).toBe(false);
  });

  it('a package.json without a "uai" key is no config', async () => {
    const p = await initProject({ 'package.json': '{"name": "x"}\n' }, 'mnist');
    expect((await runUai(p, ['init', '--yes'])).code).toBe(0);
  });

  it('when no model folder is found (exit 2), saying what it looks for and what it saw', async () => {
    const p = await initProject({ 'serve.py': servePy('M'), 'code/weights/net.caffemodel': 'w', 'code/serve.py': servePy('M') });
    const result = await runUai(p, ['init', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('uai init found no model to write a config for (nothing was written)');
    expect(result.stderr).toContain('caffe: X.prototxt + X.caffemodel');
    expect(result.stderr).toContain('mxnet: X-symbol.json + X-NNNN.params');
    expect(result.stderr).toContain('code/weights/net.caffemodel has no net.prototxt beside it');
    expect(await exists(path.join(p.dir, 'uai.config.ts'))).toBe(false);
    expect(await exists(path.join(p.dir, '.gitignore'))).toBe(false);
  });

  it('without a terminal and without --yes when a guess is doubtful (exit 2), listing the doubts', async () => {
    const p = await initProject({ 'mnist/two.py': `${servePy('First', 'CaffeAiUcloudModel')}\n${servePy('Second', 'CaffeAiUcloudModel')}` }, 'mnist');
    const result = await runUai(p, ['init']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not sure of 1 guess and cannot ask (not a terminal); nothing was written');
    expect(result.stderr).toContain('mnist/: main class: 2 classes look like the model class: First (two.py), Second (two.py)');
    expect(result.stderr).toContain('pass --yes to take the guesses');
    expect(await exists(path.join(p.dir, 'uai.config.ts'))).toBe(false);
  });

  it('with --yes, when the only model folder has no class to serve it (exit 2)', async () => {
    const p = await initProject({ 'code/m/a.prototxt': 'p', 'code/m/a.caffemodel': 'w', 'code/run.py': 'print(1)\n' });
    const result = await runUai(p, ['init', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Left out:\n  code/: no importable .py file in code/ defines a class');
  });
});

describe('uai init', () => {
  it('writes without --yes when nothing is doubtful, even without a terminal', async () => {
    const p = await initProject({}, 'mnist');
    const result = await runUai(p, ['init']);
    expect(result.code, result.stderr).toBe(0);
    expect(await dryRunStatuses(p)).toEqual({ mnist: 'planned' });
  });

  it('with --yes leaves out a folder with no class, and writes the others', async () => {
    const p = await initProject({ 'bare/m/a.prototxt': 'p', 'bare/m/a.caffemodel': 'w' }, 'mnist');
    const result = await runUai(p, ['init', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('left out bare/: no importable .py file in bare/ defines a class');
    expect(await dryRunStatuses(p)).toEqual({ mnist: 'planned' });
  });

  it('adds .uai/ to .gitignore once, keeping its lines, across two runs', async () => {
    const p = await initProject({ '.gitignore': 'node_modules/\n*.log' }, 'mnist');
    const first = await runUai(p, ['init', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Added .uai/ to .gitignore');
    await rm(path.join(p.dir, 'uai.config.ts'));
    const second = await runUai(p, ['init', '--yes']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('.gitignore already ignores .uai/.');
    expect(await readFile(path.join(p.dir, '.gitignore'), 'utf8')).toBe('node_modules/\n*.log\n.uai/\n');
  });

  it('creates .gitignore when there is none', async () => {
    const p = await initProject({}, 'mnist');
    const result = await runUai(p, ['init', '--yes']);
    expect(result.stdout).toContain('Created .gitignore with .uai/');
    expect(await readFile(path.join(p.dir, '.gitignore'), 'utf8')).toBe('.uai/\n');
  });
});
