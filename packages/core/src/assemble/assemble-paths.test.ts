import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleBuildDir } from './assemble.js';
import { walkPackTree } from './pack-tree.js';
import { checkInputs } from './check-inputs.js';
import type { ModelPlan } from '../plan/plan.js';

/** A project with a packed folder `code/` and a file outside the project. */
function project() {
  const base = mkdtempSync(path.join(os.tmpdir(), 'uai-assemble-'));
  const root = path.join(base, 'project');
  const code = path.join(root, 'code');
  mkdirSync(path.join(code, 'checkpoint_dir'), { recursive: true });
  mkdirSync(path.join(root, 'shared-cache'), { recursive: true });
  writeFileSync(path.join(code, 'main.py'), 'print(1)\n');
  writeFileSync(path.join(root, 'shared-cache', 'blob-1234'), 'weights\n');
  writeFileSync(path.join(base, 'outside-secret.txt'), 'not yours\n');
  const plan = {
    name: 'm',
    packDir: code,
    buildDir: path.join(root, '.uai', 'build', 'm'),
    configName: 'ufile.json',
    model: { modelDir: 'checkpoint_dir' },
    modelFiles: [{ kind: 'file', key: 'modelName', path: 'checkpoint_dir/model.caffemodel' }],
  } as unknown as ModelPlan;
  return { base, root, code, plan };
}

const files = [{ path: 'ufile.json', contents: '{}\n' }];

describe('packing packFilePath', () => {
  it('packs a symlink inside the project as the file it points to (model caches use them)', async () => {
    const { root, code, plan } = project();
    symlinkSync(path.join(root, 'shared-cache', 'blob-1234'), path.join(code, 'checkpoint_dir', 'model.caffemodel'));
    await checkInputs(plan, root);
    await assembleBuildDir(plan, { root, files });
    const packed = path.join(plan.buildDir, 'code', 'checkpoint_dir', 'model.caffemodel');
    expect(lstatSync(packed).isSymbolicLink()).toBe(false);
    expect(readFileSync(packed, 'utf8')).toBe('weights\n');
  });

  it('refuses a symlink that leaves the project, naming the link, and writes no build folder', async () => {
    const { base, root, code, plan } = project();
    writeFileSync(path.join(code, 'checkpoint_dir', 'model.caffemodel'), 'ok');
    symlinkSync(path.join(base, 'outside-secret.txt'), path.join(code, 'leak.txt'));
    await expect(assembleBuildDir(plan, { root, files })).rejects.toMatchObject({
      code: 'UAI_UNSAFE_PATH',
      message: expect.stringContaining('code/leak.txt is a symlink to'),
    });
    expect(existsSync(plan.buildDir)).toBe(false);
    expect(existsSync(`${plan.buildDir}.tmp-${process.pid}`)).toBe(false);
  });

  it('--dry-run refuses the same link, creating nothing, and passes a tree assemble would pack', async () => {
    const { base, root, code, plan } = project();
    writeFileSync(path.join(code, 'checkpoint_dir', 'model.caffemodel'), 'ok');
    walkPackTree(plan, { root });
    expect(existsSync(plan.buildDir)).toBe(false);
    symlinkSync(path.join(base, 'outside-secret.txt'), path.join(code, 'leak.txt'));
    expect(() => walkPackTree(plan, { root })).toThrow(
      expect.objectContaining({ code: 'UAI_UNSAFE_PATH', message: expect.stringContaining('code/leak.txt is a symlink to') }),
    );
    // A .uaiignore-d link is not packed, so not refused either.
    walkPackTree(plan, { root, ignored: (relative) => relative === 'leak.txt' });
    expect(existsSync(plan.buildDir)).toBe(false);
  });

  it('refuses a required model file that is a symlink out of the project', async () => {
    const { base, root, code, plan } = project();
    symlinkSync(path.join(base, 'outside-secret.txt'), path.join(code, 'checkpoint_dir', 'model.caffemodel'));
    await expect(checkInputs(plan, root)).rejects.toMatchObject({ code: 'UAI_UNSAFE_PATH', message: expect.stringContaining('model.caffemodel') });
  });

  it('keeps the previous build folder when a new assembly fails', async () => {
    const { base, root, code, plan } = project();
    writeFileSync(path.join(code, 'checkpoint_dir', 'model.caffemodel'), 'ok');
    await assembleBuildDir(plan, { root, files });
    symlinkSync(path.join(base, 'outside-secret.txt'), path.join(code, 'leak.txt'));
    await expect(assembleBuildDir(plan, { root, files })).rejects.toThrow();
    expect(readFileSync(path.join(plan.buildDir, 'code', 'main.py'), 'utf8')).toBe('print(1)\n');
  });

  it('survives a symlink loop inside the project', async () => {
    const { root, code, plan } = project();
    writeFileSync(path.join(code, 'checkpoint_dir', 'model.caffemodel'), 'ok');
    symlinkSync(code, path.join(code, 'checkpoint_dir', 'loop'));
    await assembleBuildDir(plan, { root, files });
    expect(existsSync(path.join(plan.buildDir, 'code', 'main.py'))).toBe(true);
  });

  it('leaves .uaiignore-d files out', async () => {
    const { root, code, plan } = project();
    writeFileSync(path.join(code, 'notes.tmp'), 'x');
    await assembleBuildDir(plan, { root, files, ignored: (rel) => rel.endsWith('.tmp') });
    expect(existsSync(path.join(plan.buildDir, 'code', 'notes.tmp'))).toBe(false);
    expect(existsSync(path.join(plan.buildDir, 'code', 'main.py'))).toBe(true);
  });
});

describe('checking model files', () => {
  it('blames a missing model folder on modelDir, not on each file', async () => {
    const { root, plan } = project();
    const withDir = {
      ...plan,
      model: { modelDir: 'checkpoints' },
      modelFiles: [{ kind: 'file', key: 'modelName', path: 'checkpoints/m.caffemodel' }],
    } as unknown as ModelPlan;
    await expect(checkInputs(withDir, root)).rejects.toMatchObject({
      code: 'UAI_MODEL_FILE_MISSING',
      message: expect.stringContaining('modelDir: code/checkpoints is not a folder'),
    });
  });
});

describe('checking the main module', () => {
  it.each([
    { name: 'a module file', files: ['serve.py'], mainModule: 'serve', ok: true },
    { name: 'a module in a package', files: ['pkg/serve.py'], mainModule: 'pkg.serve', ok: true },
    { name: 'a package', files: ['pkg/__init__.py'], mainModule: 'pkg', ok: true },
    { name: 'a typo', files: ['serve.py'], mainModule: 'serv', ok: false },
  ])('$name', async ({ files, mainModule, ok }) => {
    const { root, code, plan } = project();
    for (const file of files) {
      mkdirSync(path.dirname(path.join(code, file)), { recursive: true });
      writeFileSync(path.join(code, file), '');
    }
    const withModule = { ...plan, model: { mainModule }, modelFiles: [] } as unknown as ModelPlan;
    if (ok) await expect(checkInputs(withModule, root)).resolves.toBeUndefined();
    else await expect(checkInputs(withModule, root)).rejects.toThrow(`mainModule: code/${mainModule}.py does not exist`);
  });
});
