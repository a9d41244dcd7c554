import caffe from '@uai/plugin-caffe';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UaiError } from '../errors/uai-error.js';
import { builtinPlugins } from './builtin-plugins.fixture.js';
import { candidatePackages, checkPlugin, resolvePlugins } from './resolve.js';

/** A project with plugin packages in its own node_modules (see test/fixtures/local-plugin). */
const projectDir = fileURLToPath(new URL('../../test/fixtures/local-plugin/', import.meta.url));
/** The CLI depends on the built-in plugins: it is where they are found when the project lacks them. */
const cliDir = fileURLToPath(new URL('../../../cli/', import.meta.url));

async function failure(promise: Promise<unknown>): Promise<UaiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UaiError);
  return error as UaiError;
}

describe('candidatePackages', () => {
  it.each([
    { framework: 'caffe', expected: ['@uai/plugin-caffe'] },
    { framework: 'tf', expected: ['@uai/plugin-tensorflow'] },
    { framework: 'onnx', expected: ['uai-plugin-onnx', '@uai/plugin-onnx'] },
  ])('$framework -> $expected', ({ framework, expected }) => {
    expect(candidatePackages(framework, builtinPlugins)).toEqual(expected);
  });
});

describe('resolvePlugins', () => {
  it("finds uai-plugin-<framework> in the project's own node_modules; its aliases come with it", async () => {
    const registry = await resolvePlugins({ projectDir, frameworks: ['onnx'] });
    expect(registry.get('onnx')?.name).toBe('uai-plugin-onnx');
    expect(registry.get('onnxruntime')).toBe(registry.get('onnx'));
  });

  it('finds an ESM-only package (exports with "import" only)', async () => {
    const registry = await resolvePlugins({ projectDir, frameworks: ['esmonly'] });
    expect(registry.get('esmonly')?.name).toBe('uai-plugin-esmonly');
  });

  it('loads each package once for several models', async () => {
    const registry = await resolvePlugins({ projectDir, frameworks: ['onnx', 'onnx'] });
    expect(registry.plugins()).toHaveLength(1);
  });

  it('uses the plugins the config imported first, and does not look further for their frameworks', async () => {
    const mine = { ...caffe(), name: 'my-caffe' };
    const registry = await resolvePlugins({ projectDir, configured: [mine], frameworks: ['caffe'] });
    expect(registry.get('caffe')).toBe(mine);
  });

  it('finds a built-in plugin from the CLI when the project has not installed it', async () => {
    const registry = await resolvePlugins({ projectDir: os.tmpdir(), frameworks: ['caffe'], fallbackFrom: cliDir, builtin: builtinPlugins });
    expect(registry.get('caffe')?.name).toBe('@uai/plugin-caffe');
  });

  it('says which package to install for a built-in framework found nowhere', async () => {
    const error = await failure(resolvePlugins({ projectDir: os.tmpdir(), frameworks: ['mxnet'], builtin: builtinPlugins }));
    expect(error.code).toBe('UAI_PLUGIN_NOT_FOUND');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('Framework "mxnet" needs the package @uai/plugin-mxnet, which is not installed. Run: npm install -D @uai/plugin-mxnet');
  });

  it('leaves an unknown third-party framework to validateConfig (no error here)', async () => {
    const registry = await resolvePlugins({ projectDir, frameworks: ['nothing-like-this'] });
    expect(registry.has('nothing-like-this')).toBe(false);
  });

  // `uai-plugin-/../../node_modules/uai-plugin-onnx` resolves to a file: a framework name from a JSON
  // config must not choose which file uai imports.
  it.each(['/../../node_modules/uai-plugin-onnx', '/../../../../../../../package.json', 'onnx/../../x', 'Onnx', ''])(
    'never turns a framework name like %j into a path to import',
    async (framework) => {
      const registry = await resolvePlugins({ projectDir, frameworks: [framework] });
      expect(registry.plugins()).toEqual([]);
    },
  );

  const invalid = [
    {
      name: 'a default export of the wrong shape',
      framework: 'badshape',
      says: [
        'The default export of uai-plugin-badshape is not a valid uai plugin: `framework` must be a lowercase name like caffe; `catalog` must be an array; `options` must be a zod schema; `serviceConfig` must be a function.',
      ],
    },
    { name: 'a factory that throws', framework: 'throws', says: ['Plugin uai-plugin-throws failed to load', 'apiKey is required', 'plugins: [plugin({...})]'] },
    { name: 'a module that fails to import', framework: 'broken', says: ['Plugin uai-plugin-broken failed to load', 'a-package-that-is-not-installed'] },
    {
      name: 'a package that serves another framework',
      framework: 'other',
      says: ['Plugin uai-plugin-other was loaded for framework "other" but serves "something-else".'],
    },
  ];

  it.each(invalid)('refuses $name: UAI_PLUGIN_INVALID naming the package', async ({ framework, says }) => {
    const error = await failure(resolvePlugins({ projectDir, frameworks: [framework] }));
    expect(error.code).toBe('UAI_PLUGIN_INVALID');
    expect(error.exitCode).toBe(2);
    for (const text of says) expect(error.message).toContain(text);
  });

  it('refuses a configured plugin of the wrong shape, naming its place in `plugins`', async () => {
    const error = await failure(resolvePlugins({ projectDir, configured: [caffe(), { name: 'half' }], frameworks: [] }));
    expect(error.code).toBe('UAI_PLUGIN_INVALID');
    expect(error.message).toMatch(/^plugins\[1\] is not a valid uai plugin: `framework` must be a lowercase name like caffe;/);
  });
});

describe('checkPlugin', () => {
  it('returns a valid plugin as it is', () => {
    const plugin = caffe();
    expect(checkPlugin(plugin, 'plugins[0]')).toBe(plugin);
  });
});
