import { type BigIntStats, lstatSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UaiError } from '../errors/uai-error.js';
import type { ModelPlan } from '../plan/plan.js';
import { isInside, outsideProject, realpathIfExists, realRootOf } from './safe-paths.js';
import { loadIgnore, type IgnorePredicate } from './uaiignore.js';

/**
 * One folder or file of packFilePath as a build packs it: its path under `code/`, the real path behind
 * it (a link inside the project is packed as what it points to), and what tells its bytes apart
 * without reading them (as the layer cache does: size, mtime in ns, inode).
 */
export interface PackTreeEntry {
  /** `a/b.py`, relative to packFilePath. */
  relative: string;
  /** The real path of the file or folder. */
  source: string;
  type: 'dir' | 'file';
  mode: number;
  size: number;
  mtimeNs: string;
  ino: string;
}

interface WalkContext {
  plan: ModelPlan;
  realRoot: string;
  /** Real paths of the folders being walked, to stop symlink loops. */
  ancestors: Set<string>;
  ignored?: IgnorePredicate;
  out: PackTreeEntry[];
}

/** The real path of a link under packFilePath, refused when it is broken or leaves the project. */
function followLink(from: string, ctx: WalkContext): string {
  const resolved = realpathIfExists(from);
  if (!resolved) {
    throw new UaiError('UAI_MODEL_FILE_MISSING', `${path.relative(ctx.realRoot, from)} is a broken symlink. Remove it or fix its target.`, {
      model: ctx.plan.name,
      step: 'check',
    });
  }
  if (!isInside(ctx.realRoot, resolved)) {
    const what = `${path.relative(ctx.realRoot, from)} is a symlink to ${resolved}, outside the project`;
    throw outsideProject(ctx.plan.name, what, 'Copy the file into the project, or remove the link.');
  }
  return resolved;
}

function walk(dir: string, relative: string, ctx: WalkContext): void {
  for (const name of readdirSync(dir).sort()) {
    const from = path.join(dir, name);
    const rel = relative ? `${relative}/${name}` : name;
    let info = lstatSync(from, { bigint: true });
    let real = from;
    if (info.isSymbolicLink()) {
      // A link .uaiignore names is left out unfollowed, wherever it points.
      if (ctx.ignored?.(rel, false) || ctx.ignored?.(rel, true)) continue;
      // Model caches link to blobs; pack what a link points to, if it stays inside the project.
      real = followLink(from, ctx);
      info = statSync(real, { bigint: true });
    }
    if (ctx.ignored?.(rel, info.isDirectory())) continue;
    const entry = { relative: rel, source: real, ...identityOf(info) };
    if (info.isDirectory()) {
      if (ctx.ancestors.has(real)) continue;
      ctx.out.push({ ...entry, type: 'dir', size: 0, mtimeNs: '', ino: '' });
      ctx.ancestors.add(real);
      walk(real, rel, ctx);
      ctx.ancestors.delete(real);
    } else if (info.isFile()) {
      ctx.out.push({ ...entry, type: 'file' });
    }
    // Sockets, fifos and devices are not packed.
  }
}

/** What a file or folder is, told apart without reading it (as the layer cache keys a layer). */
export function identityOf(info: BigIntStats): Pick<PackTreeEntry, 'mode' | 'size' | 'mtimeNs' | 'ino'> {
  return { mode: Number(info.mode), size: Number(info.size), mtimeNs: String(info.mtimeNs), ino: String(info.ino) };
}

/**
 * What a build packs of packFilePath, folders before what they hold, in name order: its `.uaiignore`
 * applied, links inside the project followed (a loop is walked once), a broken link or one that
 * leaves the project refused, naming it. Reads no file's bytes.
 */
export function walkPackTree(plan: ModelPlan, options: { root: string; ignored?: IgnorePredicate }): PackTreeEntry[] {
  const realRoot = realRootOf(options.root);
  const packReal = realpathIfExists(plan.packDir) ?? plan.packDir;
  const out: PackTreeEntry[] = [];
  walk(packReal, '', { plan, realRoot, ancestors: new Set([packReal]), ignored: options.ignored, out });
  return out;
}

/** What the model packs of packFilePath, its `.uaiignore` applied (see walkPackTree). */
export async function packTreeOf(plan: ModelPlan, root: string): Promise<PackTreeEntry[]> {
  return walkPackTree(plan, { root, ignored: await loadIgnore(plan.packDir, root) });
}
