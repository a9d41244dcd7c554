import type { ModelEntry } from './choose.js';

interface ConfigToWrite {
  namespace: string;
  /** Each model, with the aiArchV its plugin defaults to (written out so it can be changed in place). */
  models: ReadonlyArray<ModelEntry & { aiArchV?: string }>;
}

/**
 * A value as TypeScript source. Every string goes through JSON.stringify, so a name from the disk
 * (a folder called `a'); evil() //`) stays a string; numbers and booleans are written only as what
 * they are.
 */
function literal(value: string | number | boolean): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`not a whole number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

const header = [
  '// Written by `uai init`: check each model, then run `uai build --dry-run` (checks and renders, builds nothing).',
  '// Credentials never go in this file: set UHUB_USERNAME and UHUB_PASSWORD in the environment, or run',
  '// `docker login uhub.ucloud.cn` once. Keys are described in the README ("Config"); `uai frameworks` lists aiArchV values.',
];

function modelSource(model: ConfigToWrite['models'][number]): string[] {
  const lines = [
    ...(model.unconfirmed.length > 0 ? ['// uai init guessed this model without asking (--yes): check its files and class.'] : []),
    `name: ${literal(model.name)},`,
    `framework: ${literal(model.framework)},`,
    ...(model.aiArchV ? [`aiArchV: ${literal(model.aiArchV)},`] : []),
    `packFilePath: ${literal(model.packFilePath)},`,
    `mainModule: ${literal(model.mainModule)},`,
    `mainClass: ${literal(model.mainClass)},`,
    ...(model.modelDir !== undefined ? [`modelDir: ${literal(model.modelDir)},`] : []),
    // Keys are the plugins' option names (identifiers of ours), values the guesses.
    ...Object.entries(model.options).map(([key, value]) => `${key}: ${literal(value)},`),
    `image: ${literal(model.image)},`,
  ];
  return ['    {', ...lines.map((line) => `      ${line}`), '    },'];
}

/** The text of uai.config.ts for the chosen models: `defineConfig` from @uai/core, defaults left out. */
export function configSource(config: ConfigToWrite): string {
  return [
    ...header,
    "import { defineConfig } from '@uai/core';",
    '',
    'export default defineConfig({',
    '  registry: {',
    `    namespace: ${literal(config.namespace)}, // your UHub repository; images are pushed to uhub.ucloud.cn/<namespace>/<image>`,
    '  },',
    '  models: [',
    ...config.models.flatMap(modelSource),
    '  ],',
    '});',
    '',
  ].join('\n');
}
