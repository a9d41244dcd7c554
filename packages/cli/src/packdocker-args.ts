/**
 * The old `uai_tool.py packdocker` command line, turned into one model of a uai config. Pure: argv in,
 * a config (or the problems with the argv) out, so every flag is a table-driven test.
 */

export const packdockerFrameworks = ['caffe', 'tf', 'keras', 'mxnet', 'xgboost', 'self'] as const;
export type PackdockerFramework = (typeof packdockerFrameworks)[number];

type Target =
  | { model: string; parse?: 'int' | 'bool' }
  | { registry: 'namespace' | 'inUhost'; parse?: 'bool' }
  | { credential: 'username' | 'password' }
  | { ignored: true; secret?: boolean };

/** Every flag the old tool took, and where it goes. */
export const oldFlags: Readonly<Record<string, Target>> = {
  pack_file_path: { model: 'packFilePath' },
  main_module: { model: 'mainModule' },
  main_class: { model: 'mainClass' },
  model_dir: { model: 'modelDir' },
  model_name: { model: 'modelName' },
  uhub_registry: { registry: 'namespace' },
  uhub_imagename: { model: 'image' },
  ai_arch_v: { model: 'aiArchV' },
  os: { model: 'os' },
  python_version: { model: 'pythonVersion' },
  in_uhost: { registry: 'inUhost', parse: 'bool' },
  in_host: { registry: 'inUhost', parse: 'bool' },
  num_epoch: { model: 'numEpoch', parse: 'int' },
  all_one_file: { model: 'allOneFile', parse: 'bool' },
  model_arch_type: { model: 'modelArchType' },
  bimg_name: { model: 'baseImage' },
  conf_file: { model: 'confFile' },
  uhub_username: { credential: 'username' },
  uhub_password: { credential: 'password' },
  // Only the old tool needed UCloud's API (to pick a base image); the catalog answers offline.
  public_key: { ignored: true, secret: true },
  private_key: { ignored: true, secret: true },
  project_id: { ignored: true },
};

export interface PackdockerArgs {
  framework: string;
  registry: { namespace?: string; inUhost?: boolean };
  model: Record<string, unknown>;
  username?: string;
  password?: string;
  /** Values to mask in every output (password, API keys). */
  secrets: string[];
  printConfig: boolean;
  /** Other uai flags that make sense here too. */
  push: boolean;
  json: boolean;
  problems: string[];
}

function parseBool(flag: string, value: string): boolean | string {
  const v = value.toLowerCase();
  if (['yes', 'true', 'y', '1'].includes(v)) return true;
  if (['no', 'false', 'n', '0'].includes(v)) return false;
  return `--${flag} takes yes/no or true/false, not ${JSON.stringify(value)}`;
}

/** `uai packdocker <framework> --flag value ...` (also `--flag=value`). */
export function parsePackdockerArgs(framework: string, argv: readonly string[]): PackdockerArgs {
  const out: PackdockerArgs = {
    framework: framework === 'tf' ? 'tensorflow' : framework,
    registry: {},
    model: {},
    secrets: [],
    printConfig: false,
    push: true,
    json: false,
    problems: [],
  };
  // Without a framework, the first flag lands in its place: read it as a flag, so that a secret after
  // it is known as one (and masked) rather than echoed as an unexpected argument.
  if (framework.startsWith('--')) {
    out.problems.push(`the framework comes first: uai packdocker <${packdockerFrameworks.join('|')}> --flags`);
    argv = [framework, ...argv];
  } else if (!(packdockerFrameworks as readonly string[]).includes(framework)) {
    out.problems.push(`unknown framework ${JSON.stringify(framework)}; packdocker takes one of ${packdockerFrameworks.join(', ')}`);
  }
  const seen = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--print-config') {
      out.printConfig = true;
      continue;
    }
    if (arg === '--no-push') {
      out.push = false;
      continue;
    }
    if (arg === '--json') {
      out.json = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      out.problems.push(`unexpected argument ${JSON.stringify(arg)}; flags look like --main_class MnistModel`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq === -1 ? undefined : eq).replace(/-/g, '_');
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) {
      value = argv[i + 1];
      i += 1;
    }
    const target = oldFlags[flag];
    if (!target) {
      out.problems.push(
        `unknown flag --${flag}; packdocker takes ${Object.keys(oldFlags)
          .map((f) => `--${f}`)
          .join(' ')}`,
      );
      continue;
    }
    if (value === undefined) {
      out.problems.push(`--${flag} needs a value`);
      continue;
    }
    if ('secret' in target && target.secret) out.secrets.push(value);
    if ('credential' in target && target.credential === 'password') out.secrets.push(value);
    // UCloud's own doc repeats --model_name: the same value twice is fine, two values are not.
    const key = flag === 'in_host' ? 'in_uhost' : flag;
    const previous = seen.get(key);
    if (previous !== undefined && previous !== value) {
      out.problems.push(`--${flag} is given twice with different values; give it once`);
      continue;
    }
    seen.set(key, value);

    let parsed: unknown = value;
    if ('parse' in target && target.parse === 'bool') {
      parsed = parseBool(flag, value);
      if (typeof parsed === 'string') {
        out.problems.push(parsed);
        continue;
      }
    } else if ('parse' in target && target.parse === 'int') {
      if (!/^\d+$/.test(value)) {
        out.problems.push(`--${flag} takes a whole number, not ${JSON.stringify(value)}`);
        continue;
      }
      parsed = Number(value);
    }
    if ('model' in target) out.model[target.model] = parsed;
    else if ('registry' in target) (out.registry as Record<string, unknown>)[target.registry] = parsed;
    else if ('credential' in target) out[target.credential] = value;
  }
  for (const required of ['pack_file_path', 'uhub_registry', 'uhub_imagename']) {
    if (!seen.has(required)) out.problems.push(`--${required} is required`);
  }
  return out;
}

/** A model name from the image name: `caffe-inference:test` builds in `.uai/build/caffe-inference/`. */
export function modelNameFromImage(image: unknown): string {
  const name = typeof image === 'string' ? image.split(':')[0].split('/').pop()! : '';
  const tidy = name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return tidy || 'model';
}

/** The `uai.config.ts` that does what this command line does, for `--print-config`. */
export function configSource(args: PackdockerArgs, model: Record<string, unknown>): string {
  const registry = Object.entries(args.registry)
    .map(([key, value]) => `    ${key}: ${JSON.stringify(value)},`)
    .join('\n');
  const modelLines = Object.entries(model)
    .map(([key, value]) => `      ${key}: ${JSON.stringify(value)},`)
    .join('\n');
  return [
    "import { defineConfig } from '@uai/core';",
    '',
    '// Credentials: set UHUB_USERNAME and UHUB_PASSWORD in the environment (never in this file).',
    'export default defineConfig({',
    '  registry: {',
    registry,
    '  },',
    '  models: [',
    '    {',
    modelLines,
    '    },',
    '  ],',
    '});',
    '',
  ].join('\n');
}

/** The old flag behind a config path (`models[0].modelName` -> `--model_name`), for error messages. */
export function flagForConfigPath(configPath: string): string | undefined {
  if (configPath === 'registry.namespace') return '--uhub_registry';
  if (configPath === 'registry.inUhost') return '--in_uhost';
  const key = /^models\[0\]\.(\w+)$/.exec(configPath)?.[1];
  if (key === 'name') return '--uhub_imagename';
  const flag = Object.entries(oldFlags).find(([, target]) => 'model' in target && target.model === key)?.[0];
  return flag ? `--${flag}` : undefined;
}
