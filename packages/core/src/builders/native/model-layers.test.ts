import { describe, expect, it } from 'vitest';
import { buildDir } from './build-folder.fixture.js';
import { modelLayerEntries } from './model-layers.js';

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
