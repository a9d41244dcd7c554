import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelLayerEntries, nativeBuilder, serviceCmd } from './native-builder.js';
import type { ModelPlan } from './plan.js';

/** A build folder as assembleBuildDir leaves it: code/ (with a stale ufile.json) and the rendered config. */
function buildDir(modelDir: string | undefined): ModelPlan {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uai-native-'));
  const dir = path.join(root, '.uai', 'build', 'm');
  mkdirSync(path.join(dir, 'code', 'checkpoint_dir', 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'code', 'infer.py'), 'print(1)\n');
  writeFileSync(path.join(dir, 'code', 'ufile.json'), '{"stale": true}\n');
  writeFileSync(path.join(dir, 'code', 'checkpoint_dir', 'm.caffemodel'), Buffer.alloc(1000, 1));
  writeFileSync(path.join(dir, 'code', 'checkpoint_dir', 'sub', 'x.bin'), Buffer.alloc(10, 2));
  writeFileSync(path.join(dir, 'ufile.json'), '{"http_server": {}}\n');
  return { name: 'm', framework: 'caffe', buildDir: dir, configName: 'ufile.json', model: { modelDir } } as unknown as ModelPlan;
}

describe('modelLayerEntries', () => {
  it('puts modelDir in an uncompressed layer, the rest of the code and the config in gzip layers', async () => {
    const layers = await modelLayerEntries(buildDir('./checkpoint_dir/'));
    expect(layers.map(({ name, gzip, createdBy }) => ({ name, gzip, createdBy }))).toEqual([
      { name: 'weights', gzip: false, createdBy: 'COPY code/checkpoint_dir /ai-ucloud-client-django/checkpoint_dir' },
      { name: 'code', gzip: true, createdBy: 'COPY code/ /ai-ucloud-client-django/' },
      { name: 'config', gzip: true, createdBy: 'COPY ufile.json /ai-ucloud-client-django/ufile.json' },
    ]);
    const paths = layers.map((layer) => layer.entries.map((entry) => entry.path).sort());
    expect(paths[0]).toEqual([
      'ai-ucloud-client-django/checkpoint_dir',
      'ai-ucloud-client-django/checkpoint_dir/m.caffemodel',
      'ai-ucloud-client-django/checkpoint_dir/sub',
      'ai-ucloud-client-django/checkpoint_dir/sub/x.bin',
    ]);
    // The stale ufile.json of the code folder is left out: the generated one replaces it.
    expect(paths[1]).toEqual(['ai-ucloud-client-django/infer.py']);
    expect(layers[2]!.entries[0]!.contents!.toString()).toBe('{"http_server": {}}\n');
  });

  it('has no weights layer without modelDir (xgboost, self)', async () => {
    const layers = await modelLayerEntries(buildDir(undefined));
    expect(layers.map((layer) => layer.name)).toEqual(['code', 'config']);
    expect(layers[0]!.entries.map((entry) => entry.path)).toContain('ai-ucloud-client-django/checkpoint_dir/m.caffemodel');
  });
});

describe('nativeBuilder', () => {
  it('is named native and starts the service like the Dockerfile CMD does', () => {
    expect(nativeBuilder().name).toBe('native');
    expect(serviceCmd).toEqual(['/bin/sh', '-c', 'cd /ai-ucloud-client-django && gunicorn -c gunicorn.conf.py httpserver.wsgi']);
  });

  it('says which registry it cannot reach, as UAI_REGISTRY_UNREACHABLE', async () => {
    const builder = nativeBuilder({ env: {} });
    const plan = { ...buildDir('checkpoint_dir'), baseImage: '127.0.0.1:1/uaishare/base:v1', imageRef: '127.0.0.1:1/ns/m:v1' } as ModelPlan;
    await expect(builder.build(plan, { signal: new AbortController().signal, log: () => {} })).rejects.toMatchObject({
      code: 'UAI_REGISTRY_UNREACHABLE',
      step: 'build',
    });
    await builder.dispose();
  });
});
