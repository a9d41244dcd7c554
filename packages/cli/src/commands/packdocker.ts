import { UaiError } from '@uai/core';
import path from 'node:path';
import { configSource, modelNameFromImage, parsePackdockerArgs } from '../packdocker-args.js';
import { writeLine } from '../output.js';
import { buildAndReport } from './build.js';

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
  const packFilePath = args.model.packFilePath;
  if (typeof packFilePath === 'string' && path.isAbsolute(packFilePath)) {
    const relative = path.relative(cwd, packFilePath);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      args.problems.push(`--pack_file_path ${packFilePath} is outside the current folder; run uai packdocker from a folder that contains it`);
    } else {
      args.model.packFilePath = relative || '.';
    }
  }
  if (args.problems.length > 0) {
    throw new UaiError('UAI_USAGE', `uai packdocker ${framework}:\n${args.problems.map((p) => `  ${p}`).join('\n')}`);
  }

  const model = { name: modelNameFromImage(args.model.image), framework: args.framework, ...args.model };
  if (args.printConfig) {
    writeLine(process.stdout, configSource(args, model));
    return 0;
  }
  const childEnv = {
    ...env,
    ...(args.username ? { UHUB_USERNAME: args.username } : {}),
    ...(args.password ? { UHUB_PASSWORD: args.password } : {}),
  };
  return buildAndReport(
    {
      cwd,
      inline: { path: path.join(cwd, 'uai.packdocker'), config: { registry: args.registry, models: [model] } },
      push: args.push,
      secrets: args.secrets,
    },
    args.json,
    childEnv,
  );
}
