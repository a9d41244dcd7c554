import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelPlan } from '../plan/plan.js';
import { loadIgnore } from './uaiignore.js';

/**
 * The bytes of the files a model packs: its `packFilePath`, less what `.uaiignore` leaves out, links
 * counted as the files they point to (as a build packs them), a link to a folder it is already in not
 * followed. Read from the files' sizes only, so the
 * same files give the same number on every machine (what `--shard` balances).
 */
export async function packedBytes(plan: ModelPlan, root: string): Promise<number> {
  const ignored = await loadIgnore(plan.packDir, root);
  const visit = async (dir: string, relative: string, seen: ReadonlySet<string>): Promise<number> => {
    let total = 0;
    for (const name of await readdir(dir)) {
      const rel = relative ? `${relative}/${name}` : name;
      const full = path.join(dir, name);
      const info = await lstat(full)
        .then((found) => (found.isSymbolicLink() ? stat(full) : found))
        .catch(() => undefined);
      if (!info || ignored(rel, info.isDirectory())) continue;
      if (info.isDirectory()) {
        // By real path: a link to a folder above it would otherwise be walked until ELOOP.
        const real = await realpath(full).catch(() => undefined);
        if (real && !seen.has(real)) total += await visit(full, rel, new Set([...seen, real]));
      } else if (info.isFile()) total += info.size;
    }
    return total;
  };
  return realpath(plan.packDir)
    .then((real) => visit(plan.packDir, '', new Set([real])))
    .catch(() => 0);
}
