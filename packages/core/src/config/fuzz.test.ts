import caffe from '@uai/plugin-caffe';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUaiError } from '../errors/uai-error.js';
import { loadConfigFile } from './load.js';
import { planBuild } from '../plan/plan.js';
import { PluginRegistry } from '../plugins/registry.js';
import { validateConfig } from './validate.js';

// 10,000 generated configs, valid and broken, through load + validate + plan: never an uncaught
// exception; always either a plan per model or issues that each name a key.

const anyValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);
/** Mostly the valid value, sometimes a broken one. */
const mostly = <T>(good: T, ...bad: T[]) =>
  fc.oneof({ weight: 12, arbitrary: fc.constant(good) }, ...bad.map((value) => ({ weight: 1, arbitrary: fc.constant(value) })));
const goodModel = fc.record({
  framework: mostly('caffe', 'keras', 'nope'),
  packFilePath: mostly('code', '../up', '/abs'),
  mainModule: mostly('pkg.mod', 'bad-mod'),
  mainClass: mostly('Model', '1Bad'),
  modelDir: mostly('ckpt', '..'),
  modelName: mostly('m', 'a/b'),
  image: mostly('img:v1', 'IMG:v1', 'img'),
  aiArchV: mostly(undefined, 'caffe-intel 1.0.0', 'caffe-9'),
  os: mostly(undefined, 'ubuntu-16.04'),
});
/** A model with, now and then, a key dropped, replaced by an arbitrary value, or an unknown key added. */
const model = fc
  .tuple(
    goodModel,
    fc.array(
      fc.tuple(
        fc.constantFrom('name', 'framework', 'packFilePath', 'mainModule', 'mainClass', 'modelDir', 'modelName', 'image', 'typo', 'os'),
        fc.option(anyValue),
      ),
      { maxLength: 1 },
    ),
  )
  .map(([base, edits]) => {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of edits) {
      if (value === null) delete out[key];
      else out[key] = value;
    }
    return out;
  });
const models = fc
  .array(model, { minLength: 1, maxLength: 3 })
  .chain((list) => fc.boolean().map((duplicate) => list.map((m, i) => ({ name: duplicate ? 'same' : `model-${i}`, ...m }))));
const config = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        registry: fc.oneof({ weight: 8, arbitrary: fc.record({ namespace: mostly('uai_demo', 'Upper', '') }) }, { weight: 1, arbitrary: anyValue }),
        models: fc.oneof({ weight: 8, arbitrary: models }, { weight: 1, arbitrary: anyValue }),
        concurrency: fc.option(fc.oneof(fc.integer({ min: -2, max: 100 }), anyValue), { nil: undefined }),
      },
      { requiredKeys: ['registry', 'models'] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

describe('fuzzed configs', () => {
  it('10,000 configs: a plan, or issues naming keys; never a crash', async () => {
    const registry = new PluginRegistry([caffe()]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-fuzz-'));
    const file = path.join(dir, 'uai.config.json');
    let plans = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(config, async (raw) => {
        // Half go through the real loader from a file, the rest are validated directly.
        let loaded: unknown = raw;
        if (plans + refused < 2000) {
          writeFileSync(file, JSON.stringify(raw) ?? 'null');
          try {
            loaded = (await loadConfigFile({ configFile: file }))?.config ?? null;
          } catch (error) {
            expect(isUaiError(error)).toBe(true);
            refused += 1;
            return;
          }
        }
        const { config: resolved, issues } = validateConfig(loaded, registry);
        if (!resolved) {
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) {
            expect(issue.message.length).toBeGreaterThan(0);
            // A path names the key; only a config that is not an object at all has none.
            if (issue.path === '') expect(typeof loaded !== 'object' || loaded === null || Array.isArray(loaded)).toBe(true);
          }
          refused += 1;
          return;
        }
        const planned = planBuild(resolved, { root: '/project', env: {} });
        for (const issue of planned.issues) expect(issue.path).toMatch(/^models\[\d+\]\.\w+$/);
        if (planned.issues.length === 0) {
          expect(planned.plans).toHaveLength(resolved.models.length);
          plans += 1;
        } else refused += 1;
      }),
      { numRuns: 10_000 },
    );
    expect(plans + refused).toBe(10_000);
    // The generator must reach both outcomes, or the property says little.
    expect(plans).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(1000);
  }, 120_000);
});
