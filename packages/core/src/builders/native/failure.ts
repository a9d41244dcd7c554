import { diskFull } from '../../errors/disk-full.js';
import { registryFailure } from '../../errors/registry-failure.js';
import { UaiError } from '../../errors/uai-error.js';
import type { ModelPlan } from '../../plan/plan.js';

/**
 * What a native build or push that failed says to the user: a stop is a cancellation, a registry failure
 * says what to do (errors/registry-failure.ts), a full disk where; our own errors pass as they are.
 */
export function nativeFailure(
  error: unknown,
  plan: ModelPlan,
  step: 'build' | 'push',
  at: { host: string; baseImage?: string },
  signal?: AbortSignal,
): unknown {
  if (error instanceof UaiError) return error;
  // Stopped: whatever the abort broke on the way (a hash worker, a stream) is a cancellation.
  if ((error as Error)?.name === 'AbortError' || signal?.aborted) return new UaiError('UAI_CANCELLED', 'Stopped.', { model: plan.name, step, cause: error });
  const mapped = registryFailure(error, { host: at.host, baseImage: at.baseImage, step, model: plan.name });
  if (mapped !== error) return mapped;
  return diskFull(error, { where: 'on the disk while packing layers', fix: 'Free some space and run again.', model: plan.name, step });
}
