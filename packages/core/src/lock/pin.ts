import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UaiError } from '../errors/uai-error.js';
import type { PreparedRun } from '../plan/prepare-run.js';
import { applyLock, lockFileName, parseLockFile } from './lock-file.js';

/**
 * Pins the run's base images to `uai.lock.json` when the project has one, so a moved tag cannot change
 * a build; says (in `warnings`) which models' bases the lock does not know.
 */
export async function pinToLock(run: PreparedRun): Promise<PreparedRun> {
  let text: string;
  try {
    text = await readFile(path.join(run.root, lockFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return run;
    throw error;
  }
  const { lock, problem } = parseLockFile(text);
  if (!lock) throw new UaiError('UAI_CONFIG_INVALID', `${lockFileName} ${problem}. Run uai lock to write it again.`);
  const applied = applyLock(run.plans, lock);
  const warnings = applied.stale.length ? [`${lockFileName} is stale; run uai lock to update it:\n${applied.stale.map((line) => `  ${line}`).join('\n')}`] : [];
  return { ...run, plans: applied.plans, warnings: [...run.warnings, ...warnings] };
}
