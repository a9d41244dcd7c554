import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UaiError } from '../errors/uai-error.js';
import type { ModelPlan } from '../plan/plan.js';
import { isInside, outsideProject, realpathIfExists, realRootOf } from './safe-paths.js';

function missing(plan: ModelPlan, what: string, fix: string): UaiError {
  return new UaiError('UAI_MODEL_FILE_MISSING', `${what}. ${fix}`, { model: plan.name, step: 'check' });
}

/** `pkg.mod` is `pkg/mod.py` (or `.pyc`, or a package folder `pkg/mod/__init__.py`) under packFilePath. */
function checkMainModule(plan: ModelPlan, relative: (file: string) => string): void {
  const base = path.join(plan.packDir, ...plan.model.mainModule!.split('.'));
  for (const candidate of [`${base}.py`, `${base}.pyc`, path.join(base, '__init__.py')]) {
    if (realpathIfExists(candidate)) return;
  }
  const module = plan.model.mainModule!;
  // `mnist_inference.py` reads as module `py` in package `mnist_inference`: say what was meant.
  const fix = /\.pyc?$/.test(module)
    ? `mainModule is a module name, not a file name: write mainModule: '${module.replace(/\.pyc?$/, '')}'.`
    : 'Fix mainModule in the config (a module name without .py, dots for packages), or add the file.';
  throw missing(plan, `mainModule: ${relative(`${base}.py`)} does not exist (the server imports ${module} from the packed code)`, fix);
}

/**
 * Checks that a model's folders and files exist and stay inside the project (after symlinks).
 * Throws the first problem, naming the file and the config key behind it.
 */
export async function checkInputs(plan: ModelPlan, root: string): Promise<void> {
  const realRoot = realRootOf(root);
  const relative = (file: string) => path.relative(root, file) || '.';

  const packReal = realpathIfExists(plan.packDir);
  if (!packReal || !statSync(packReal).isDirectory()) {
    throw missing(plan, `packFilePath ${relative(plan.packDir)} is not a folder`, 'Create it, or fix packFilePath in the config.');
  }
  if (!isInside(realRoot, packReal)) {
    throw outsideProject(
      plan.name,
      `packFilePath ${relative(plan.packDir)} resolves outside the project (${packReal})`,
      "Keep the code inside the config's folder.",
    );
  }

  if (plan.userConfigFile) {
    const real = realpathIfExists(plan.userConfigFile);
    if (!real) throw missing(plan, `confFile ${relative(plan.userConfigFile)} does not exist`, 'Create it, or fix confFile.');
    if (!isInside(realRoot, real)) {
      const fix = 'Copy it into the project, or fix confFile.';
      throw outsideProject(plan.name, `confFile ${relative(plan.userConfigFile)} resolves outside the project (${real})`, fix);
    }
  }

  if (plan.test) {
    const real = realpathIfExists(plan.test.requestFile);
    if (!real)
      throw missing(
        plan,
        `test.request: ${relative(plan.test.requestFile)} does not exist`,
        'Create it, or fix test.request (it is relative to the config file).',
      );
    if (!isInside(realRoot, real)) {
      const fix = 'Copy it into the project, or fix test.request.';
      throw outsideProject(plan.name, `test.request ${relative(plan.test.requestFile)} resolves outside the project (${real})`, fix);
    }
  }

  // The platform's server imports main_file from the packed code: a typo would only show there.
  if (plan.model.mainModule) checkMainModule(plan, relative);

  // A missing model folder is the modelDir's fault, not each file's in it.
  if (plan.model.modelDir) {
    const dir = path.join(plan.packDir, plan.model.modelDir);
    const real = realpathIfExists(dir);
    if (!real || !statSync(real).isDirectory()) {
      throw missing(plan, `modelDir: ${relative(dir)} is not a folder`, 'Create it, or fix modelDir in the config (it is relative to packFilePath).');
    }
  }

  for (const requirement of plan.modelFiles) {
    const file = path.join(plan.packDir, requirement.path);
    const shown = relative(file);
    const real = realpathIfExists(file);
    if (!real) {
      throw missing(plan, `${requirement.key}: ${shown} does not exist`, `Put the file there, or fix ${requirement.key} in the config.`);
    }
    if (!isInside(realRoot, real)) {
      throw outsideProject(plan.name, `${shown} is a symlink to ${real}, outside the project`, 'Copy the file into the project instead.');
    }
    const info = statSync(real);
    if (requirement.kind === 'file' && !info.isFile()) {
      throw missing(plan, `${requirement.key}: ${shown} is not a file`, `Point ${requirement.key} at a file.`);
    }
    if (requirement.kind === 'non-empty-dir') {
      if (!info.isDirectory()) throw missing(plan, `${requirement.key}: ${shown} is not a folder`, `Point ${requirement.key} at a folder.`);
      if (readdirSync(real).length === 0) {
        throw missing(plan, `${requirement.key}: ${shown} is empty`, 'Put the model files in it.');
      }
    }
  }
}
