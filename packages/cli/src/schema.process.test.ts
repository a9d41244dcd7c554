// `uai schema`, the built binary: one JSON document on stdout with the built-in frameworks, the plugins
// installed in the project and those the config imports; a config that does not load only costs its own
// plugins; the schema.json @uai/cli ships is what it prints in an empty folder; a JSON config carrying
// "$schema" builds.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, repoRoot, runUai, uaiBin, type Project } from '../test/harness.mjs';

const shipped = path.join(repoRoot, 'packages/cli/schema.json');
const fixturePlugins = path.join(repoRoot, 'packages/core/test/fixtures/local-plugin/node_modules');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'uai-schema-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `uai schema` in `cwd`, with caches of its own (a TypeScript config is compiled into one). */
async function uaiSchema(cwd: string, args: string[] = []) {
  const cache = await tempDir();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|XDG_)/.test(key)));
  const result = spawnSync(process.execPath, [uaiBin, 'schema', ...args], {
    cwd,
    env: { ...inherited, XDG_CACHE_HOME: cache },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Parses stdout as one JSON document and compiles it with ajv (strict: no unknown keyword, no implicit type). */
function compiled(stdout: string) {
  expect(stdout.endsWith('}\n') && !stdout.endsWith('\n\n')).toBe(true);
  const schema = JSON.parse(stdout);
  expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  return { schema, validate: new Ajv2020({ strict: true, strictRequired: false }).compile(schema) };
}

const lightgbmPlugin = `import { definePlugin, z } from '@uai/core';

export default function lightgbm() {
  return definePlugin({
    name: 'uai-plugin-lightgbm',
    framework: 'lightgbm',
    options: z.strictObject({ boosterFile: z.string().describe('The booster, relative to packFilePath.') }),
    requires: { modelDir: false },
    defaultAiArchV: 'lightgbm-3',
    catalog: [{ aiArchV: 'lightgbm-3', device: 'cpu', os: 'ubuntu-16.04', python: 'python-3.6', image: 'uaishare/lightgbm:v1' }],
    modelFiles: () => [],
    serviceConfig: () => null,
  });
}
`;

const projectConfig = `import { defineConfig } from '@uai/core';
import lightgbm from './plugins/lightgbm';

export default defineConfig({
  registry: { namespace: 'ns' },
  plugins: [lightgbm()],
  models: [{ name: 'gbm', framework: 'lightgbm', packFilePath: 'code', mainModule: 'serve', mainClass: 'Model', boosterFile: 'b.txt', image: 'gbm:v1' }],
});
`;

const model = { packFilePath: 'code', mainModule: 'serve', mainClass: 'Model', image: 'x:v1' };

describe('uai schema', () => {
  it('describes the built-in frameworks, a plugin installed in the project and the plugin the config imports', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(path.join(repoRoot, 'examples/plugin-onnx'), path.join(dir, 'node_modules/uai-plugin-onnx'));
    await symlink(path.join(fixturePlugins, 'uai-plugin-broken'), path.join(dir, 'node_modules/uai-plugin-broken'));
    await mkdir(path.join(dir, 'plugins'));
    await writeFile(path.join(dir, 'plugins/lightgbm.ts'), lightgbmPlugin);
    await writeFile(path.join(dir, 'uai.config.ts'), projectConfig);

    const result = await uaiSchema(dir);
    expect(result.code).toBe(0);
    const { schema, validate } = compiled(result.stdout);
    expect(schema.$defs.model.properties.framework.enum).toEqual(['caffe', 'keras', 'lightgbm', 'mxnet', 'onnx', 'self', 'tensorflow', 'tf', 'xgboost']);
    expect(schema.$defs['framework-lightgbm'].properties.boosterFile.description).toBe('The booster, relative to packFilePath.');
    // The installed plugin that fails to load is left out, and said so on stderr only.
    expect(result.stderr).toMatch(/^warning: framework broken is left out: Plugin uai-plugin-broken failed to load/m);

    const config = (models: object[]) => ({ $schema: './node_modules/@uai/cli/schema.json', registry: { namespace: 'ns' }, models });
    expect(validate(config([{ ...model, name: 'gbm', framework: 'lightgbm', boosterFile: 'b.txt' }]))).toBe(true);
    expect(validate(config([{ ...model, name: 'gbm', framework: 'lightgbm' }]))).toBe(false);
    expect(validate(config([{ ...model, name: 'net', framework: 'onnx', modelDir: 'm', modelName: 'resnet', opset: 13 }]))).toBe(true);
    expect(validate(config([{ ...model, name: 'net', framework: 'onnx', modelDir: 'm', modelName: 'resnet', opset: 0 }]))).toBe(false);

    // --config from another folder: that config's plugins, and what is installed next to it.
    const elsewhere = await uaiSchema(os.tmpdir(), ['--config', path.join(dir, 'uai.config.ts')]);
    expect(compiled(elsewhere.stdout).schema).toEqual(schema);
  });

  it('still prints the schema when the config does not load, and says why on stderr', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'uai.config.ts'), "import missing from './nowhere';\nexport default missing;\n");
    const result = await uaiSchema(dir);
    expect(result.code).toBe(0);
    expect(compiled(result.stdout).schema.$defs.model.properties.framework.enum).toEqual(['caffe', 'keras', 'mxnet', 'self', 'tensorflow', 'tf', 'xgboost']);
    expect(result.stderr).toMatch(/^warning: Could not load /);
    expect(result.stderr).toContain('The schema describes the built-in and installed frameworks only.');
  });

  it('prints, in a folder with no config and no plugin, the schema.json @uai/cli ships', async () => {
    const result = await uaiSchema(await tempDir());
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toBe(await readFile(shipped, 'utf8'));
    const manifest = JSON.parse(await readFile(path.join(repoRoot, 'packages/cli/package.json'), 'utf8'));
    expect(manifest.files).toContain('schema.json');
    expect(manifest.exports['./schema.json']).toBe('./schema.json');
  });
});

describe('a uai.config.json carrying "$schema"', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.remove();
    project = undefined;
  });

  it('matches the shipped schema, and uai build takes it', async () => {
    project = await createProject({ models: ['alpha'], docker: false });
    const file = path.join(project.dir, 'uai.config.json');
    const config = { $schema: './node_modules/@uai/cli/schema.json', ...JSON.parse(await readFile(file, 'utf8')) };
    await writeFile(file, JSON.stringify(config, null, 2));
    expect(compiled(await readFile(shipped, 'utf8')).validate(config)).toBe(true);
    const result = await runUai(project, ['build', '--dry-run']);
    expect([result.code, result.stderr]).toEqual([0, expect.not.stringContaining('$schema')]);
  });
});
