import { cpSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfigFile } from './load.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const modelNames = (config: unknown) => (config as { models: { name: string }[] }).models.map((model) => model.name);

describe('configs that import only @uai/core and node: modules', () => {
  let cache: string;
  let project: string;
  beforeEach(() => {
    cache = mkdtempSync(path.join(os.tmpdir(), 'uai-cache-'));
    vi.stubEnv('XDG_CACHE_HOME', cache);
    project = mkdtempSync(path.join(os.tmpdir(), 'uai-project-'));
  });
  afterEach(() => vi.unstubAllEnvs());
  const compiled = () => readdirSync(path.join(cache, 'uai', 'configs')).filter((file) => file.endsWith('.cjs'));

  it('are compiled once into the user cache, then run from there', async () => {
    cpSync(path.join(fixtures, 'config-ts', 'uai.config.ts'), path.join(project, 'uai.config.ts'));
    expect(modelNames((await loadConfigFile({ cwd: project }))?.config)).toEqual(['mnist']);
    expect(compiled()).toHaveLength(1);
    // The next load runs the cached code: an edit to the cached copy shows (only the cache has it).
    const file = path.join(cache, 'uai', 'configs', compiled()[0]!);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/name: ["']mnist["']/, "name: 'from-the-cache'"));
    expect(modelNames((await loadConfigFile({ cwd: project }))?.config)).toEqual(['from-the-cache']);
  });

  it('are compiled again once edited (the cache is keyed by their text)', async () => {
    const config = path.join(project, 'uai.config.ts');
    cpSync(path.join(fixtures, 'config-ts', 'uai.config.ts'), config);
    await loadConfigFile({ cwd: project });
    writeFileSync(config, readFileSync(config, 'utf8').replace("name: 'mnist'", "name: 'edited'"));
    expect(modelNames((await loadConfigFile({ cwd: project }))?.config)).toEqual(['edited']);
    expect(compiled()).toHaveLength(2);
  });

  it('drop compiled configs older than a month when another is compiled', async () => {
    const config = path.join(project, 'uai.config.ts');
    cpSync(path.join(fixtures, 'config-ts', 'uai.config.ts'), config);
    await loadConfigFile({ cwd: project });
    const [old] = compiled();
    const monthAgo = (Date.now() - 31 * 24 * 60 * 60 * 1000) / 1000;
    utimesSync(path.join(cache, 'uai', 'configs', old!), monthAgo, monthAgo);
    writeFileSync(config, readFileSync(config, 'utf8').replace("name: 'mnist'", "name: 'edited'"));
    await loadConfigFile({ cwd: project });
    expect(compiled()).toHaveLength(1);
    expect(compiled()).not.toContain(old);
  });

  it.each([
    { dir: 'config-relative-import', models: ['from-relative-import'] },
    { dir: 'config-dynamic-import', models: ['from-dynamic-import'] },
  ])('leave $dir to jiti, which loads it', async ({ dir, models }) => {
    const loaded = await loadConfigFile({ cwd: path.join(fixtures, dir) });
    expect(modelNames(loaded?.config)).toEqual(models);
    expect(() => compiled()).toThrow(); // no configs/ cache folder at all
  });
});
