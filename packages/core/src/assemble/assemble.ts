import { constants, readFileSync, rmSync } from 'node:fs';
import { copyFile, link, mkdir, rm, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diskFull } from '../errors/disk-full.js';
import { assemblingDir, contextCodeDir, inputsStampName } from '../plan/paths.js';
import type { ModelPlan } from '../plan/plan.js';
import type { RenderedFile } from '../render/render.js';
import { walkPackTree, type PackTreeEntry } from './pack-tree.js';
import type { IgnorePredicate } from './uaiignore.js';
import { writeFiles } from '../render/write-files.js';

/** Hard-links a file when it can (model weights are big), else copies it (copy-on-write where the disk can). */
async function placeFile(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch {
    await copyFile(source, target, constants.COPYFILE_FICLONE);
  }
}

export interface AssembleOptions {
  root: string;
  files: readonly RenderedFile[];
  ignored?: IgnorePredicate;
  /** packFilePath as walked already (for the stamp): else it is walked now. */
  tree?: readonly PackTreeEntry[];
  /** The stamp of these inputs (see inputsStamp), kept in the folder: a later assembly of the same stamp keeps the folder. */
  stamp?: string;
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

/**
 * Assembles `.uai/build/<model>/`: the rendered files and `code/`, a copy of packFilePath. A folder
 * assembled from inputs of the same `stamp` is kept as it is: an unchanged model copies nothing.
 */
export async function assembleBuildDir(plan: ModelPlan, options: AssembleOptions): Promise<void> {
  if (options.stamp && assembledFrom(plan) === options.stamp) return;
  const tree = options.tree ?? walkPackTree(plan, options);
  await replaceBuildDir(plan, 'assemble', async (temp) => {
    const code = path.join(temp, contextCodeDir);
    await mkdir(code, { recursive: true });
    for (const entry of tree) {
      const target = path.join(code, entry.relative);
      if (entry.type === 'dir') await mkdir(target);
      else await placeFile(entry.source, target);
    }
    if (plan.userConfigFile) await placeFile(plan.userConfigFile, path.join(temp, plan.configName));
    await writeFiles(temp, options.files);
    if (options.stamp) await writeFile(path.join(temp, inputsStampName), `${options.stamp}\n`);
  });
}

/** The stamp of the inputs the model's build folder was assembled from; undefined when none was (or after --dry-run). */
function assembledFrom(plan: ModelPlan): string | undefined {
  try {
    return readFileSync(path.join(plan.buildDir, inputsStampName), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * --dry-run's build folder: only the rendered files, in place of the folder an earlier build left. Its
 * `code/` is not kept: a `docker build` from there after a code change would silently use the old code.
 */
export async function writeRenderedOnly(plan: ModelPlan, files: readonly RenderedFile[]): Promise<void> {
  await replaceBuildDir(plan, 'render', (temp) => writeFiles(temp, files));
}
