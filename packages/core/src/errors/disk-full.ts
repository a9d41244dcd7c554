import { UaiError } from './uai-error.js';

export interface DiskFullContext {
  /** Where it filled up: `in /tmp for the temporary Docker config`, `on the disk while packing layers`. */
  where: string;
  /** What to do: `Free some space and run again.` */
  fix: string;
  model?: string;
  step: string;
}

/**
 * The one ENOSPC mapping: a full disk is the user's to fix, not a bug, so it becomes UAI_DISK_FULL
 * saying where and what to do. Any other error is returned as it is.
 */
export function diskFull(error: unknown, ctx: DiskFullContext): unknown {
  if ((error as NodeJS.ErrnoException)?.code !== 'ENOSPC') return error;
  return new UaiError('UAI_DISK_FULL', `No space left ${ctx.where}. ${ctx.fix}`, { cause: error, model: ctx.model, step: ctx.step });
}
