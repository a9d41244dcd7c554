import type { ModelPlan } from '../plan/plan.js';
import { packTreeOf } from './pack-tree.js';

/**
 * The bytes of the files a model packs, as a build walks them (`walkPackTree`: `.uaiignore` applied,
 * links counted as the files they point to, a link to a folder it is already in not followed). Read
 * from the files' sizes only, so the same files give the same number on every machine (what `--shard`
 * balances); 0 for a tree the build will refuse (its check says why).
 */
export async function packedBytes(plan: ModelPlan, root: string): Promise<number> {
  try {
    const tree = await packTreeOf(plan, root);
    return tree.reduce((total, entry) => total + (entry.type === 'file' ? entry.size : 0), 0);
  } catch {
    return 0;
  }
}
