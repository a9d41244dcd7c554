import { LayerCache, prepareLayer, walkDirectory, type LayerEntry } from '@uai/oci';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPaths } from '../../plan/paths.js';
import { buildDir } from './build-folder.fixture.js';
import { modelLayerEntries, ownLayerBytes } from './model-layers.js';

const app = 'ai-ucloud-client-django';

/** A sparse file of `size` bytes whose first bytes are `head`: no disk for 64 MiB of zeros. */
function sparse(file: string, size: number, head = 'weights'): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, head);
  truncateSync(file, size);
}

/** The build folder of the fixture, with a file of exactly 64 MiB, one a byte smaller, and one more big one in a subfolder. */
function withBigFiles(extraSmall = false) {
  const plan = buildDir('checkpoint_dir');
  const weights = path.join(plan.buildDir, 'code', 'checkpoint_dir');
  sparse(path.join(weights, 'big.bin'), ownLayerBytes);
  sparse(path.join(weights, 'almost.bin'), ownLayerBytes - 1);
  sparse(path.join(weights, 'deep', 'er', 'b.bin'), ownLayerBytes + 5, 'other');
  if (extraSmall) writeFileSync(path.join(weights, 'extra.txt'), 'one more small file\n');
  return plan;
}

/** `a/b/c` -> folder entries `a` and `a/b`. */
const parents = (entryPath: string): LayerEntry[] =>
  entryPath
    .split('/')
    .slice(0, -1)
    .map((_, i, parts) => ({ path: parts.slice(0, i + 1).join('/'), type: 'directory', mode: 0o755, size: 0 }));

const summary = (entries: readonly LayerEntry[]) => entries.map((entry) => `${entry.type === 'directory' ? 'd' : 'f'} ${entry.path}`);

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

  it('gives each file of 64 MiB or more a layer of its own, with its folders, in path order; 64 MiB - 1 stays with the rest', async () => {
    const layers = await modelLayerEntries(withBigFiles());
    expect(layers.map(({ name, gzip, createdBy }) => ({ name, gzip, createdBy }))).toEqual([
      { name: 'checkpoint_dir/big.bin', gzip: false, createdBy: `COPY code/checkpoint_dir/big.bin /${app}/checkpoint_dir/big.bin` },
      { name: 'checkpoint_dir/deep/er/b.bin', gzip: false, createdBy: `COPY code/checkpoint_dir/deep/er/b.bin /${app}/checkpoint_dir/deep/er/b.bin` },
      { name: 'weights', gzip: false, createdBy: `COPY code/checkpoint_dir /${app}/checkpoint_dir` },
      { name: 'code', gzip: true, createdBy: `COPY code/ /${app}/` },
      { name: 'config', gzip: true, createdBy: `COPY ufile.json /${app}/ufile.json` },
    ]);
    expect(summary(layers[0]!.entries)).toEqual([`d ${app}`, `d ${app}/checkpoint_dir`, `f ${app}/checkpoint_dir/big.bin`]);
    expect(summary(layers[1]!.entries)).toEqual([
      `d ${app}`,
      `d ${app}/checkpoint_dir`,
      `d ${app}/checkpoint_dir/deep`,
      `d ${app}/checkpoint_dir/deep/er`,
      `f ${app}/checkpoint_dir/deep/er/b.bin`,
    ]);
    expect(layers[0]!.entries.at(-1)).toMatchObject({ type: 'file', size: ownLayerBytes, mode: 0o644 });
    // The rest: every folder of modelDir (deep/er too, so it stays in the image however the layers
    // are applied) and the smaller files, 64 MiB - 1 included.
    expect(summary(layers[2]!.entries).sort()).toEqual(
      [
        `d ${app}/checkpoint_dir`,
        `d ${app}/checkpoint_dir/deep`,
        `d ${app}/checkpoint_dir/deep/er`,
        `d ${app}/checkpoint_dir/sub`,
        `f ${app}/checkpoint_dir/almost.bin`,
        `f ${app}/checkpoint_dir/m.caffemodel`,
        `f ${app}/checkpoint_dir/sub/x.bin`,
      ].sort(),
    );
  });

  it('unpacks to the same tree as the folder: every entry once, folders alike in every layer', async () => {
    const plan = withBigFiles();
    const layers = await modelLayerEntries(plan);
    const unpacked = new Map<string, string>();
    for (const layer of layers) {
      // As the layer's tar holds them: prepareLayer adds missing parent folders (0755).
      const folders = layer.entries.flatMap((entry) => parents(entry.path));
      const inTar = new Map([...folders, ...layer.entries].map((entry) => [entry.path, entry]));
      for (const entry of inTar.values()) {
        const seen = `${entry.type} ${entry.mode.toString(8)} ${entry.size}`;
        // A later layer may name a folder again, never a file, and never differently.
        if (unpacked.has(entry.path)) expect([entry.path, entry.type, unpacked.get(entry.path)]).toEqual([entry.path, 'directory', seen]);
        unpacked.set(entry.path, seen);
      }
    }
    const folder = await walkDirectory(path.join(plan.buildDir, 'code'), { prefix: app, skip: (rel) => rel === 'ufile.json' });
    const expected = new Map(folder.map((entry) => [entry.path, `${entry.type} ${entry.mode.toString(8)} ${entry.size}`]));
    expected.set(app, 'directory 755 0');
    expected.set(`${app}/ufile.json`, `file 644 ${'{"http_server": {}}\n'.length}`);
    expect(new Map([...unpacked].sort())).toEqual(new Map([...expected].sort()));
  });
});

describe('a big file layer', () => {
  /** The layer of `checkpoint_dir/big.bin` in `plan`, prepared with its project's layer cache. */
  async function bigLayer(plan: ReturnType<typeof withBigFiles>, resolveNow: boolean) {
    const spec = (await modelLayerEntries(plan)).find((layer) => layer.name === 'checkpoint_dir/big.bin')!;
    const paths = projectPaths(plan.root);
    const cache = new LayerCache(paths.layersFile);
    const layer = await prepareLayer(spec.entries, { gzip: false, mtime: 0, cache, blobDir: paths.blobDir, resolveNow });
    await cache.save();
    return layer;
  }

  it('has the same digest in two projects, whatever else their modelDir holds', async () => {
    const [one, two] = await Promise.all([bigLayer(withBigFiles(), true), bigLayer(withBigFiles(true), true)]);
    expect(one.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(two.digest).toBe(one.digest);
    expect(two.key).not.toBe(one.key); // other files on disk: each project hashed its own
    const rests = await Promise.all(
      [withBigFiles(), withBigFiles(true)].map(async (plan) => (await modelLayerEntries(plan)).find((l) => l.name === 'weights')!),
    );
    expect(rests[0]!.entries.length).not.toBe(rests[1]!.entries.length);
  });

  it('is not hashed again while the file is unchanged (the layer cache knows it by path, size, mtime and inode)', async () => {
    const plan = withBigFiles();
    const first = await bigLayer(plan, true);
    // Without resolveNow, only the cache can know the digest.
    const again = await bigLayer(plan, false);
    expect(again.digest).toBe(first.digest);
    // A changed file is not taken for the old one.
    sparse(path.join(plan.buildDir, 'code', 'checkpoint_dir', 'big.bin'), ownLayerBytes, 'retrained');
    expect((await bigLayer(plan, false)).digest).toBeUndefined();
  });
});
