import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectPaths } from '../../plan/paths.js';
import type { ModelPlan } from '../../plan/plan.js';

/**
 * A build folder as assembleBuildDir leaves it: code/ (with a stale ufile.json) and the rendered config,
 * in a project of its own (`root`).
 */
export function buildDir(modelDir: string | undefined): ModelPlan & { root: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uai-native-'));
  const dir = projectPaths(root).buildDir('m');
  mkdirSync(path.join(dir, 'code', 'checkpoint_dir', 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'code', 'infer.py'), 'print(1)\n');
  writeFileSync(path.join(dir, 'code', 'ufile.json'), '{"stale": true}\n');
  writeFileSync(path.join(dir, 'code', 'checkpoint_dir', 'm.caffemodel'), Buffer.alloc(1000, 1));
  writeFileSync(path.join(dir, 'code', 'checkpoint_dir', 'sub', 'x.bin'), Buffer.alloc(10, 2));
  writeFileSync(path.join(dir, 'ufile.json'), '{"http_server": {}}\n');
  return { root, name: 'm', framework: 'caffe', buildDir: dir, configName: 'ufile.json', model: { modelDir } } as unknown as ModelPlan & { root: string };
}
