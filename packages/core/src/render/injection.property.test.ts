import caffe from '@uai/plugin-caffe';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBuild } from '../plan/plan.js';
import { PluginRegistry } from '../plugins/registry.js';
import { renderModel, type ModelTemplates } from './render.js';
import { loadTemplates } from './templates.js';
import { validateConfig } from '../config/validate.js';

// Property: for any printable string in any field that reaches a template, either validation refuses
// it naming that field, or the Dockerfile keeps exactly the template's instructions and the service
// config parses back to the values given.

const valid = {
  registry: { namespace: 'uai_demo' },
  models: [
    {
      name: 'mnist',
      framework: 'caffe',
      packFilePath: 'code',
      mainModule: 'mnist_inference',
      mainClass: 'MnistModel',
      modelDir: 'checkpoint_dir',
      modelName: 'mnist_model',
      image: 'caffe-inference:test',
    },
  ],
};

type Field = { path: string; set: (config: typeof valid, value: string) => void };
const modelField = (key: string): Field => ({
  path: `models[0].${key}`,
  set: (config, value) => {
    (config.models[0] as Record<string, unknown>)[key] = value;
  },
});
const fields: Field[] = [
  ...['name', 'packFilePath', 'mainModule', 'mainClass', 'modelDir', 'modelName', 'image', 'baseImage', 'aiArchV', 'os', 'pythonVersion'].map(modelField),
  { path: 'registry.namespace', set: (config, value) => void (config.registry.namespace = value) },
  { path: 'registry.host', set: (config, value) => void ((config.registry as Record<string, unknown>).host = value) },
];

/** Instruction keywords of a Dockerfile, in order (comments and blank lines left out). */
function instructions(dockerfile: string): string[] {
  return dockerfile
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => line.trim().split(/\s+/)[0]);
}

const registry = new PluginRegistry([caffe()]);
let templates: ModelTemplates;
const render = (config: unknown) => {
  const { config: resolved, issues } = validateConfig(config, registry);
  if (!resolved) return { issues };
  const planned = planBuild(resolved, { root: '/project', env: {} });
  if (planned.issues.length > 0) return { issues: planned.issues };
  return { issues: [], files: renderModel(planned.plans[0], templates), plan: planned.plans[0] };
};

// Printable ASCII plus the characters that break Dockerfiles and JSON, and some unicode.
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('\n', '\r', '"', "'", '\\', ' ', '$', '{', '}', '/', '.', ':', '@', '\u0000', '\u2028', 'a', 'A', '0', '-', '_'),
    maxLength: 30,
  }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

describe('no config value can inject into the Dockerfile or the service config', async () => {
  templates = await loadTemplates('/nonexistent-project', caffe());
  const expected = instructions(renderModel(planBuild(validateConfig(valid, registry).config!, { root: '/project', env: {} }).plans[0], templates)[0].contents);

  it.each(fields)('$path', (field) => {
    fc.assert(
      fc.property(nasty, (value) => {
        const config = structuredClone(valid);
        field.set(config, value);
        const result = render(config);
        if (result.issues.length > 0) {
          // Refused: and the refusal names the field.
          expect(result.issues.map((issue) => issue.path)).toContain(field.path);
          return;
        }
        const [dockerfile, serviceConfig] = result.files!;
        expect(instructions(dockerfile.contents)).toEqual(expected);
        const parsed = JSON.parse(serviceConfig.contents);
        expect(parsed).toEqual(result.plan!.serviceConfig);
      }),
      { numRuns: 400 },
    );
  });
});
