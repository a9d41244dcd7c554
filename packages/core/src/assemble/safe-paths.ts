import { realpathSync } from 'node:fs';
import { UaiError } from '../errors/uai-error.js';
import path from 'node:path';

/** True when `target` is `root` or below it. Both must be absolute and resolved. */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Resolves symlinks of a path that must exist; returns undefined when it does not. Synchronous, as are
 * the other checks of a model's files (check-inputs.ts, pack-tree.ts): a few calls of microseconds
 * each, which through the thread pool cost several times the CPU (a batch of hundreds of models, ~8 each).
 */
export function realpathIfExists(file: string): string | undefined {
  try {
    return realpathSync.native(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const realRoots = new Map<string, string>();

/** The project root's real path, resolved once a process: every check of every model starts from it. */
export function realRootOf(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realpathIfExists(root) ?? root;
    realRoots.set(root, real);
  }
  return real;
}

/** A path of a model's that resolves outside the project (`what` says which and where), with the fix. */
export function outsideProject(model: string, what: string, fix: string): UaiError {
  return new UaiError('UAI_UNSAFE_PATH', `${what}. ${fix}`, { model, step: 'check' });
}
