import { constants, rmSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, readdir, rm, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { diskFull } from '../errors/disk-full.js';
import { UaiError } from '../errors/uai-error.js';
import { assemblingDir, contextCodeDir } from '../plan/paths.js';
import type { ModelPlan } from '../plan/plan.js';
import type { RenderedFile } from '../render/render.js';
import { isInside, realpathOrUndefined } from './safe-paths.js';
import { writeFiles } from '../render/write-files.js';

/** Hard-links a file when it can (model weights are big), else copies it (copy-on-write where the disk can). */
async function placeFile(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch {
    await copyFile(source, target, constants.COPYFILE_FICLONE);
  }
}

interface CopyContext {
  plan: ModelPlan;
  realRoot: string;
  /** Real paths of the folders being copied, to stop symlink loops. */
  ancestors: Set<string>;
  ignored?: (relative: string, isDir: boolean) => boolean;
  /** Walk and check only (--dry-run): nothing is created or linked. */
  checkOnly?: boolean;
}

async function copyTree(source: string, target: string, relative: string, ctx: CopyContext): Promise<void> {
  if (!ctx.checkOnly) await mkdir(target, { recursive: true });
  const entries = (await readdir(source)).sort();
  for (const name of entries) {
    const from = path.join(source, name);
    const to = path.join(target, name);
    const rel = relative ? `${relative}/${name}` : name;
    let info = await lstat(from);
    let real = from;
    if (info.isSymbolicLink()) {
      // A link .uaiignore names is left out unfollowed, wherever it points.
      if (ctx.ignored?.(rel, false) || ctx.ignored?.(rel, true)) continue;
      // Model caches link to blobs; pack what a link points to, if it stays inside the project.
      const resolved = await realpathOrUndefined(from);
      if (!resolved) {
        throw new UaiError('UAI_MODEL_FILE_MISSING', `${path.relative(ctx.realRoot, from)} is a broken symlink. Remove it or fix its target.`, {
          model: ctx.plan.name,
          step: 'check',
        });
      }
      if (!isInside(ctx.realRoot, resolved)) {
        throw new UaiError(
          'UAI_UNSAFE_PATH',
          `${path.relative(ctx.realRoot, from)} is a symlink to ${resolved}, outside the project. Copy the file into the project, or remove the link.`,
          { model: ctx.plan.name, step: 'check' },
        );
      }
      real = resolved;
      info = await stat(resolved);
    }
    if (ctx.ignored?.(rel, info.isDirectory())) continue;
    if (info.isDirectory()) {
      if (ctx.ancestors.has(real)) continue;
      ctx.ancestors.add(real);
      await copyTree(real, to, rel, ctx);
      ctx.ancestors.delete(real);
    } else if (info.isFile() && !ctx.checkOnly) {
      await placeFile(real, to);
    }
    // Sockets, fifos and devices are not packed.
  }
}

export interface AssembleOptions {
  root: string;
  files: readonly RenderedFile[];
  ignored?: (relative: string, isDir: boolean) => boolean;
}

/** Temp folders being assembled now, removed if `uai` exits half way (a second Ctrl-C exits at once). */
const assembling = new Set<string>();
let exitHookInstalled = false;

function removeOnExit(temp: string): void {
  assembling.add(temp);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of assembling) rmSync(dir, { recursive: true, force: true });
  });
}

/** A full disk, named with the model, the folder and what to do. */
function diskFullWriting(error: unknown, plan: ModelPlan, step: string): unknown {
  return diskFull(error, {
    where: `on the disk while writing ${plan.buildDir} for model ${plan.name}`,
    fix: 'Free some space on it (old folders in .uai/build can go) and run again.',
    model: plan.name,
    step,
  });
}

/**
 * Makes `.uai/build/<model>/` anew: `fill` writes a temp folder, which is then renamed into place, so
 * the build folder holds only what this run wrote, and a failure leaves the previous one as it was.
 */
async function replaceBuildDir(plan: ModelPlan, step: string, fill: (temp: string) => Promise<void>): Promise<void> {
  const temp = assemblingDir(plan.buildDir);
  await rm(temp, { recursive: true, force: true });
  removeOnExit(temp);
  try {
    await mkdir(temp, { recursive: true });
    await fill(temp);
    await rm(plan.buildDir, { recursive: true, force: true });
    await rename(temp, plan.buildDir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw diskFullWriting(error, plan, step);
  } finally {
    assembling.delete(temp);
  }
}

/** Assembles `.uai/build/<model>/`: the rendered files and `code/`, a copy of packFilePath. */
export async function assembleBuildDir(plan: ModelPlan, options: AssembleOptions): Promise<void> {
  const realRoot = (await realpathOrUndefined(options.root)) ?? options.root;
  await replaceBuildDir(plan, 'assemble', async (temp) => {
    const packReal = (await realpathOrUndefined(plan.packDir)) ?? plan.packDir;
    await copyTree(packReal, path.join(temp, contextCodeDir), '', {
      plan,
      realRoot,
      ancestors: new Set([packReal]),
      ignored: options.ignored,
    });
    if (plan.userConfigFile) await placeFile(plan.userConfigFile, path.join(temp, plan.configName));
    await writeFiles(temp, options.files);
  });
}

/**
 * Walks packFilePath as `assembleBuildDir` would copy it and fails on the same links (broken, or out of
 * the project), copying nothing: --dry-run's check of what a build would pack.
 */
export async function checkPackTree(plan: ModelPlan, options: Omit<AssembleOptions, 'files'>): Promise<void> {
  const realRoot = (await realpathOrUndefined(options.root)) ?? options.root;
  const packReal = (await realpathOrUndefined(plan.packDir)) ?? plan.packDir;
  await copyTree(packReal, plan.buildDir, '', { plan, realRoot, ancestors: new Set([packReal]), ignored: options.ignored, checkOnly: true });
}

/**
 * --dry-run's build folder: only the rendered files, in place of the folder an earlier build left. Its
 * `code/` is not kept: a `docker build` from there after a code change would silently use the old code.
 */
export async function writeRenderedOnly(plan: ModelPlan, files: readonly RenderedFile[]): Promise<void> {
  await replaceBuildDir(plan, 'render', (temp) => writeFiles(temp, files));
}
