import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UaiError } from '../errors/uai-error.js';
import { loadConfigFile } from './load.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const fixture = (name: string) => path.join(fixtures, name);

/** Every file and folder under `dir`, relative, sorted. */
async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

async function loadError(options: Parameters<typeof loadConfigFile>[0]): Promise<UaiError> {
  const error = await loadConfigFile(options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UaiError);
  return error as UaiError;
}

const modelNames = (config: unknown) => (config as { models: { name: string }[] }).models.map((model) => model.name);

describe('loadConfigFile', () => {
  // Compiled configs go to the user's cache: a temporary one here, never the developer's ~/.cache.
  beforeAll(() => vi.stubEnv('XDG_CACHE_HOME', mkdtempSync(path.join(os.tmpdir(), 'uai-cache-'))));
  afterAll(() => vi.unstubAllEnvs());

  const found = [
    { name: 'uai.config.ts importing defineConfig from @uai/core', dir: 'config-ts', file: 'uai.config.ts', models: ['mnist'] },
    { name: 'uai.config.json', dir: 'config-json', file: 'uai.config.json', models: ['from-json'] },
    { name: 'uai.config.mjs', dir: 'config-mjs', file: 'uai.config.mjs', models: ['from-mjs'] },
    { name: 'the "uai" key of package.json', dir: 'config-package-json', file: 'package.json', models: ['from-package-json'] },
    { name: 'a uai.config.ts with top-level await', dir: 'config-await', file: 'uai.config.ts', models: ['from-await'] },
    { name: 'a uai.config.ts that reads import.meta.url', dir: 'config-import-meta', file: 'uai.config.ts', models: ['config-import-meta'] },
    { name: 'a uai.config.ts that imports another file', dir: 'config-relative-import', file: 'uai.config.ts', models: ['from-relative-import'] },
    { name: 'a uai.config.ts with a dynamic import()', dir: 'config-dynamic-import', file: 'uai.config.ts', models: ['from-dynamic-import'] },
  ];

  it.each(found)('finds $name in the folder', async ({ dir, file, models }) => {
    const loaded = await loadConfigFile({ cwd: fixture(dir) });
    expect(loaded?.path).toBe(path.join(fixture(dir), file));
    expect(modelNames(loaded?.config)).toEqual(models);
  });

  it('returns the whole config of a .ts file, as written', async () => {
    const loaded = await loadConfigFile({ cwd: fixture('config-ts') });
    expect(loaded?.config).toEqual({
      registry: { namespace: 'uai_demo' },
      models: [
        {
          name: 'mnist',
          framework: 'caffe',
          packFilePath: './code',
          mainModule: 'mnist_inference',
          mainClass: 'MnistModel',
          modelDir: 'checkpoint_dir',
          modelName: 'mnist_model',
          image: 'caffe-inference:ts',
        },
      ],
    });
  });

  it.each([
    { name: 'the default command and mode', env: undefined, models: ['build-production'] },
    { name: 'the command and mode it is given', env: { command: 'packdocker', mode: 'test' }, models: ['packdocker-test'] },
  ])('calls an exported function with $name', async ({ env, models }) => {
    const loaded = await loadConfigFile({ cwd: fixture('config-function'), env });
    expect(modelNames(loaded?.config)).toEqual(models);
  });

  it.each([
    { name: 'relative to cwd', cwd: fixture('config-custom-path'), configFile: 'configs/staging.config.ts' },
    { name: 'absolute', cwd: fixture('config-none'), configFile: path.join(fixture('config-custom-path'), 'configs/staging.config.ts') },
  ])('loads --config PATH ($name) instead of searching', async ({ cwd, configFile }) => {
    const loaded = await loadConfigFile({ cwd, configFile });
    expect(loaded?.path).toBe(path.join(fixture('config-custom-path'), 'configs', 'staging.config.ts'));
    expect((loaded?.config as { registry: unknown } | undefined)?.registry).toEqual({ namespace: 'uai_staging' });
  });

  it('returns null when the folder has no config (and does not look in parent folders)', async () => {
    // The repository root above the fixtures has a uai.config.ts: it must not be picked up.
    await expect(loadConfigFile({ cwd: fixture('config-none') })).resolves.toBeNull();
  });

  it('says UAI_CONFIG_NOT_FOUND, naming the path, when --config does not exist', async () => {
    const error = await loadError({ cwd: fixture('config-none'), configFile: 'missing.config.ts' });
    expect(error.code).toBe('UAI_CONFIG_NOT_FOUND');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatchInlineSnapshot(`"Config file missing.config.ts does not exist. Check the --config path."`);
  });

  it.each([
    { name: 'found by search', options: { cwd: fixture('config-syntax-error') } },
    { name: 'given with --config', options: { cwd: fixture('config-none'), configFile: '../config-syntax-error/uai.config.ts' } },
  ])('says UAI_CONFIG_LOAD_FAILED, naming the file, for a syntax error ($name)', async ({ options }) => {
    const error = await loadError(options);
    expect(error.code).toBe('UAI_CONFIG_LOAD_FAILED');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(path.join('config-syntax-error', 'uai.config.ts'));
    expect(error.cause).toBeDefined();
  });

  it('says UAI_CONFIG_LOAD_FAILED when the exported function throws, naming the file', async () => {
    const error = await loadError({ cwd: fixture('config-function-throws') });
    expect(error.code).toBe('UAI_CONFIG_LOAD_FAILED');
    expect(error.message).toBe(
      `The function exported by ${path.join(fixture('config-function-throws'), 'uai.config.mjs')} threw: REGISTRY_NAMESPACE is not set (command build)\nFix the config file and run again.`,
    );
  });

  it('says UAI_CONFIG_LOAD_FAILED for an empty config file, naming it', async () => {
    const error = await loadError({ cwd: fixture('config-empty') });
    expect(error.code).toBe('UAI_CONFIG_LOAD_FAILED');
    expect(error.message).toContain(path.join('config-empty', 'uai.config.json'));
  });

  it('writes no file into the project when loading a .ts config', async () => {
    for (const dir of ['config-ts', 'config-function', 'config-custom-path', 'config-syntax-error']) {
      const before = await listTree(fixture(dir));
      await loadConfigFile({ cwd: fixture(dir) }).catch(() => undefined);
      await loadConfigFile({ cwd: fixture(dir), configFile: before.find((file) => file.endsWith('.ts')) }).catch(() => undefined);
      expect(await listTree(fixture(dir))).toEqual(before);
    }
  });
});
