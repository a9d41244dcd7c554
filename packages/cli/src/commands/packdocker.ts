import { ConfigError, UaiError, prepareRun } from '@uai/core';
import path from 'node:path';
import { configSource, flagForConfigPath, modelNameFromImage, parsePackdockerArgs } from '../packdocker-args.js';
import { writeLine } from '../output.js';
import { builtinPlugins } from '../builtin-plugins.js';
import { buildAndReport, cliDir } from './build.js';

/**
 * `uai packdocker <framework> --old_flags`: one model through the same engine as `uai build`, paths
 * from the current folder, the old success line. The password may come from UHUB_PASSWORD; given as
 * a flag it stays in this process and reaches `docker login` on stdin only.
 */
export async function packdockerCommand(
  framework: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  secrets: string[] = [],
  cwd = process.cwd(),
): Promise<number> {
  const args = parsePackdockerArgs(framework, argv);
  secrets.push(...args.secrets);
  // UCloud's doc gives absolute paths; the config takes them relative to the current folder.
  for (const [key, flag] of [
    ['packFilePath', 'pack_file_path'],
    ['confFile', 'conf_file'],
  ] as const) {
    const value = args.model[key];
    if (typeof value !== 'string' || !path.isAbsolute(value)) continue;
    const relative = path.relative(cwd, value);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      args.problems.push(`--${flag} ${value} is outside the current folder; run uai packdocker from a folder that contains it`);
    } else {
      args.model[key] = relative || '.';
    }
  }
  if (args.problems.length > 0) {
    throw new UaiError('UAI_USAGE', `uai packdocker ${framework}:\n${args.problems.map((p) => `  ${p}`).join('\n')}`);
  }

  const model = { name: modelNameFromImage(args.model.image), framework: args.framework, ...args.model };
  const inline = { path: path.join(cwd, 'uai.packdocker'), config: { registry: args.registry, models: [model] } };
  const childEnv = {
    ...env,
    ...(args.username ? { UHUB_USERNAME: args.username } : {}),
    ...(args.password ? { UHUB_PASSWORD: args.password } : {}),
  };
  try {
    if (args.printConfig) {
      // Print only a config that `uai build` would take: checked as a build checks it, nothing run.
      await prepareRun({ cwd, inline, env, fallbackFrom: cliDir, builtin: builtinPlugins });
      writeLine(process.stdout, configSource(args, model));
      return 0;
    }
    return await buildAndReport({ cwd, inline, push: args.push, secrets: args.secrets }, args.json, childEnv);
  } catch (error) {
    throw error instanceof ConfigError ? inFlagTerms(error, framework) : error;
  }
}

/** Config problems said in the old flags' names: the user typed flags, not a config. */
function inFlagTerms(error: ConfigError, framework: string): UaiError {
  const lines = error.issues.map((issue) => `  ${flagForConfigPath(issue.path) ?? issue.path}: ${issue.message}`);
  return new UaiError('UAI_CONFIG_INVALID', `uai packdocker ${framework}: the command line is invalid:\n${lines.join('\n')}`, { cause: error });
}
