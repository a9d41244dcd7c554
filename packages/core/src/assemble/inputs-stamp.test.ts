import { chmodSync, mkdirSync, mkdtempSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelPlan } from '../plan/plan.js';
import { fileIdentity, inputsStamp } from './inputs-stamp.js';
import { walkPackTree } from './pack-tree.js';

/** A project whose model packs `code/` (main.py, weights/w.bin), and the stamp of it as it is now. */
function project() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uai-stamp-'));
  const code = path.join(root, 'code');
  mkdirSync(path.join(code, 'weights'), { recursive: true });
  writeFileSync(path.join(code, 'main.py'), 'print(1)\n');
  writeFileSync(path.join(code, 'weights', 'w.bin'), 'weights');
  writeFileSync(path.join(root, 'ufile.json'), '{}\n');
  const plan = {
    name: 'm',
    plugin: { name: 'uai-plugin-caffe', options: { circular: undefined as unknown } },
    packDir: code,
    buildDir: path.join(root, '.uai', 'build', 'm'),
    env: [{ name: 'A', value: '1' }],
    configName: 'ufile.json',
    model: { modelDir: 'weights' },
    modelFiles: [],
  } as unknown as ModelPlan;
  const files = [{ path: 'uaiservice.Dockerfile', contents: 'FROM base\n' }];
  const stamp = async (changed: Partial<{ plan: ModelPlan; files: typeof files; config: string }> = {}) =>
    inputsStamp(
      changed.plan ?? plan,
      changed.files ?? files,
      walkPackTree(changed.plan ?? plan, { root }),
      changed.config ? fileIdentity(changed.config) : undefined,
    );
  return { root, code, plan, files, stamp };
}

describe('inputsStamp: the local inputs of a model, as one digest', () => {
  it('is the same for the same files, plan and rendered files', async () => {
    const { stamp } = project();
    expect(await stamp()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await stamp()).toBe(await stamp());
  });

  it('changes when a packed file is edited, touched, replaced, added, renamed, or made executable', async () => {
    const { code, stamp } = project();
    const seen = new Set([await stamp()]);
    const expectNew = async () => {
      const now = await stamp();
      expect(seen.has(now)).toBe(false);
      seen.add(now);
    };
    writeFileSync(path.join(code, 'main.py'), 'print(2)\n'); // same size, new bytes: a new mtime
    utimesSync(path.join(code, 'main.py'), new Date(1_000_000), new Date(1_000_000));
    await expectNew();
    utimesSync(path.join(code, 'weights', 'w.bin'), new Date(2_000_000), new Date(2_000_000)); // touched only
    await expectNew();
    const replacement = path.join(code, 'main.py.new'); // an editor's save: a new inode
    writeFileSync(replacement, 'print(2)\n');
    utimesSync(replacement, new Date(1_000_000), new Date(1_000_000));
    renameSync(replacement, path.join(code, 'main.py'));
    await expectNew();
    writeFileSync(path.join(code, 'extra.py'), '');
    await expectNew();
    renameSync(path.join(code, 'extra.py'), path.join(code, 'other.py'));
    await expectNew();
    chmodSync(path.join(code, 'other.py'), 0o755);
    await expectNew();
  });

  it('changes with a link retargeted to another file inside the project', async () => {
    const { root, code, stamp } = project();
    writeFileSync(path.join(root, 'a.bin'), 'same');
    writeFileSync(path.join(root, 'b.bin'), 'same');
    symlinkSync(path.join(root, 'a.bin'), path.join(code, 'weights', 'link.bin'));
    const before = await stamp();
    renameSync(path.join(root, 'b.bin'), path.join(root, 'a.bin'));
    expect(await stamp()).not.toBe(before);
  });

  it('changes with the plan, the plugin, the rendered files and a self-defined config file', async () => {
    const { root, plan, files, stamp } = project();
    const base = await stamp();
    expect(await stamp({ plan: { ...plan, env: [{ name: 'A', value: '2' }] } })).not.toBe(base);
    expect(await stamp({ plan: { ...plan, plugin: { ...plan.plugin, name: 'uai-plugin-other' } } })).not.toBe(base);
    expect(await stamp({ files: [{ ...files[0]!, contents: 'FROM other\n' }] })).not.toBe(base);
    const config = path.join(root, 'ufile.json');
    const withConfig = await stamp({ config });
    expect(withConfig).not.toBe(base);
    utimesSync(config, new Date(3_000_000), new Date(3_000_000));
    expect(await stamp({ config })).not.toBe(withConfig);
  });
});
