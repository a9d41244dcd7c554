import { prepareRun, writeLock } from '@uai/core';
import { builtinPlugins } from '../builtin-plugins.js';
import path from 'node:path';
import { writeLine } from '../output.js';
import { cliDir } from './build.js';

/** `uai lock`: pins every model's base image to its registry digest in uai.lock.json. */
export async function lockCommand(flags: { config?: string }, env: NodeJS.ProcessEnv): Promise<number> {
  const run = await prepareRun({ configFile: flags.config, env, command: 'lock', fallbackFrom: cliDir, builtin: builtinPlugins });
  const { file, images } = await writeLock(run, env);
  for (const [image, digest] of Object.entries(images)) writeLine(process.stdout, `${image}  ${digest}`);
  writeLine(
    process.stdout,
    `wrote ${path.relative(process.cwd(), file) || file} (${Object.keys(images).length} base image${Object.keys(images).length === 1 ? '' : 's'})`,
  );
  return 0;
}
