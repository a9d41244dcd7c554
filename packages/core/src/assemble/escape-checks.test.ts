// The escape checks of checkInputs: every path a model reads (packFilePath, confFile, its model files,
// test.request) must still be inside the project once symlinks are resolved. Each case below is a model
// that is otherwise fine, so it is only that path's own check that refuses it: take the check away and
// checkInputs resolves (or blames another key), and the case fails.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelPlan } from '../plan/plan.js';
import { checkInputs } from './check-inputs.js';

/**
 * `base/project/` (the config's folder) with `code/` ready to pack, and `base/outside/` next to it
 * holding the same kinds of files a link might point at: code, a config, a request, weights.
 */
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function layout() {
  const base = mkdtempSync(path.join(os.tmpdir(), 'uai-escape-'));
  made.push(base);
  const root = path.join(base, 'project');
  const outside = path.join(base, 'outside');
  for (const dir of [path.join(root, 'code', 'checkpoint_dir'), path.join(outside, 'code', 'checkpoint_dir'), path.join(outside, 'export')]) {
    mkdirSync(dir, { recursive: true });
  }
  for (const dir of [path.join(root, 'code'), path.join(outside, 'code')]) {
    writeFileSync(path.join(dir, 'main.py'), 'class M: pass\n');
    writeFileSync(path.join(dir, 'checkpoint_dir', 'model.caffemodel'), 'weights\n');
  }
  writeFileSync(path.join(root, 'ufile.json'), '{}\n');
  writeFileSync(path.join(root, 'request.json'), '{"x":1}\n');
  writeFileSync(path.join(outside, 'secret.json'), '{"token":"not yours"}\n');
  writeFileSync(path.join(outside, 'weights.caffemodel'), 'not yours\n');
  writeFileSync(path.join(outside, 'export', 'saved_model.pb'), 'not yours\n');
  const plan = (changes: Partial<ModelPlan> = {}): ModelPlan =>
    ({
      name: 'm',
      packDir: path.join(root, 'code'),
      buildDir: path.join(root, '.uai', 'build', 'm'),
      configName: 'ufile.json',
      model: { mainModule: 'main', modelDir: 'checkpoint_dir' },
      modelFiles: [{ kind: 'file', key: 'modelName', path: 'checkpoint_dir/model.caffemodel' }],
      ...changes,
    }) as unknown as ModelPlan;
  return { base, root, outside, plan };
}

/** checkInputs refuses the plan as UAI_UNSAFE_PATH with exactly this message, the resolved target named. */
async function expectRefused(plan: ModelPlan, root: string, message: string) {
  await expect(checkInputs(plan, root)).rejects.toMatchObject({
    code: 'UAI_UNSAFE_PATH',
    message,
    model: 'm',
    step: 'check',
  });
}

describe('controls: the same layout with every path inside passes', () => {
  it('passes as it is, with confFile and test.request too', async () => {
    const { root, plan } = layout();
    const test = { requestFile: path.join(root, 'request.json'), contentType: 'application/json', expect: {}, timeoutMs: 1000 };
    await expect(checkInputs(plan({ userConfigFile: path.join(root, 'ufile.json'), test }), root)).resolves.toBeUndefined();
  });

  it('passes symlinks that stay inside, and a project reached through a symlink', async () => {
    const { base, root, plan } = layout();
    symlinkSync(path.join(root, 'code'), path.join(root, 'linked-code'));
    symlinkSync(path.join(root, 'request.json'), path.join(root, 'linked-request.json'));
    symlinkSync(root, path.join(base, 'project-link'));
    const viaLink = path.join(base, 'project-link');
    const test = { requestFile: path.join(viaLink, 'linked-request.json'), contentType: 'application/json', expect: {}, timeoutMs: 1000 };
    await expect(checkInputs(plan({ packDir: path.join(viaLink, 'linked-code'), test }), viaLink)).resolves.toBeUndefined();
  });
});

describe('packFilePath', () => {
  it('refuses a packFilePath that is a symlink to a folder outside the project', async () => {
    const { root, outside, plan } = layout();
    symlinkSync(path.join(outside, 'code'), path.join(root, 'linked-code'));
    await expectRefused(
      plan({ packDir: path.join(root, 'linked-code') }),
      root,
      `packFilePath linked-code resolves outside the project (${realpathSync(path.join(outside, 'code'))}). Keep the code inside the config's folder.`,
    );
  });

  it('refuses a packFilePath under a symlinked folder that points out', async () => {
    const { root, outside, plan } = layout();
    symlinkSync(outside, path.join(root, 'vendor'));
    await expectRefused(
      plan({ packDir: path.join(root, 'vendor', 'code') }),
      root,
      `packFilePath vendor/code resolves outside the project (${realpathSync(path.join(outside, 'code'))}). Keep the code inside the config's folder.`,
    );
  });

  it('refuses it before anything else, even when it has no model files to trip over', async () => {
    // Without model files nothing under the folder is looked at again: only packFilePath's own check stands.
    const { root, outside, plan } = layout();
    symlinkSync(path.join(outside, 'code'), path.join(root, 'linked-code'));
    await expectRefused(
      plan({ packDir: path.join(root, 'linked-code'), model: {} as ModelPlan['model'], modelFiles: [] }),
      root,
      `packFilePath linked-code resolves outside the project (${realpathSync(path.join(outside, 'code'))}). Keep the code inside the config's folder.`,
    );
  });
});

describe('confFile', () => {
  it('refuses a confFile that is a symlink to a file outside the project', async () => {
    const { root, outside, plan } = layout();
    symlinkSync(path.join(outside, 'secret.json'), path.join(root, 'conf.json'));
    await expectRefused(
      plan({ userConfigFile: path.join(root, 'conf.json') }),
      root,
      `confFile conf.json resolves outside the project (${realpathSync(path.join(outside, 'secret.json'))}). Copy it into the project, or fix confFile.`,
    );
  });

  it('refuses a confFile under a symlinked folder that points out', async () => {
    const { root, outside, plan } = layout();
    symlinkSync(outside, path.join(root, 'settings'));
    await expectRefused(
      plan({ userConfigFile: path.join(root, 'settings', 'secret.json') }),
      root,
      `confFile settings/secret.json resolves outside the project (${realpathSync(path.join(outside, 'secret.json'))}). Copy it into the project, or fix confFile.`,
    );
  });
});

describe('model files', () => {
  it('refuses a model file that is a symlink to a file outside the project', async () => {
    const { root, outside, plan } = layout();
    const link = path.join(root, 'code', 'checkpoint_dir', 'linked.caffemodel');
    symlinkSync(path.join(outside, 'weights.caffemodel'), link);
    await expectRefused(
      plan({ modelFiles: [{ kind: 'file', key: 'modelName', path: 'checkpoint_dir/linked.caffemodel' }] }),
      root,
      `code/checkpoint_dir/linked.caffemodel is a symlink to ${realpathSync(path.join(outside, 'weights.caffemodel'))}, outside the project. Copy the file into the project instead.`,
    );
  });

  it('refuses model files reached through a modelDir that is a symlink out', async () => {
    // The modelDir check only asks "is it a folder"; the file check behind it is what refuses.
    const { root, outside, plan } = layout();
    symlinkSync(path.join(outside, 'code', 'checkpoint_dir'), path.join(root, 'code', 'linked_dir'));
    await expectRefused(
      plan({
        model: { mainModule: 'main', modelDir: 'linked_dir' } as ModelPlan['model'],
        modelFiles: [{ kind: 'file', key: 'modelName', path: 'linked_dir/model.caffemodel' }],
      }),
      root,
      `code/linked_dir/model.caffemodel is a symlink to ${realpathSync(path.join(outside, 'code', 'checkpoint_dir', 'model.caffemodel'))}, outside the project. Copy the file into the project instead.`,
    );
  });

  it('refuses a required model folder (a non-empty-dir) that is a symlink out', async () => {
    const { root, outside, plan } = layout();
    symlinkSync(path.join(outside, 'export'), path.join(root, 'code', 'export'));
    await expectRefused(
      plan({ model: {} as ModelPlan['model'], modelFiles: [{ kind: 'non-empty-dir', key: 'modelDir', path: 'export' }] }),
      root,
      `code/export is a symlink to ${realpathSync(path.join(outside, 'export'))}, outside the project. Copy the file into the project instead.`,
    );
  });
});

describe('test.request', () => {
  const test = (requestFile: string) => ({ test: { requestFile, contentType: 'application/json', expect: {}, timeoutMs: 1000 } });

  it('refuses a test.request that is a symlink to a file outside the project', async () => {
    const { root, outside, plan } = layout();
    symlinkSync(path.join(outside, 'secret.json'), path.join(root, 'linked-request.json'));
    await expectRefused(
      plan(test(path.join(root, 'linked-request.json'))),
      root,
      `test.request linked-request.json resolves outside the project (${realpathSync(path.join(outside, 'secret.json'))}). Copy it into the project, or fix test.request.`,
    );
  });

  it('refuses a test.request that names a file outside the project outright', async () => {
    // The schema refuses `..` in test.request; this is the check behind it, for a plan that got one anyway.
    const { root, outside, plan } = layout();
    await expectRefused(
      plan(test(path.join(outside, 'secret.json'))),
      root,
      `test.request ../outside/secret.json resolves outside the project (${realpathSync(path.join(outside, 'secret.json'))}). Copy it into the project, or fix test.request.`,
    );
  });
});
