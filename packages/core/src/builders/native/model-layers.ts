import { walkDirectory, type LayerEntry } from '@uai/oci';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { contextCodeDir } from '../../plan/paths.js';
import type { ModelPlan } from '../../plan/plan.js';
import { appDir } from '../../plan/platform.js';

/** One layer of a UAI image, before it is packed: its entries and the Dockerfile line it stands for. */
export interface LayerSpec {
  name: 'weights' | 'code' | 'config';
  gzip: boolean;
  createdBy: string;
  entries: LayerEntry[];
}

/** `models/mnist/` -> `models/mnist`; undefined for none or `.`. */
function cleanModelDir(modelDir: string | undefined): string | undefined {
  if (!modelDir) return undefined;
  const clean = path.posix.normalize(modelDir.replaceAll('\\', '/')).replace(/^\.\/|\/+$/g, '');
  return clean && clean !== '.' ? clean : undefined;
}

/**
 * Splits the build folder into the layers of a UAI image: model weights (modelDir, uncompressed),
 * the rest of the code (gzip), and the service config (gzip). A code change re-pushes only the small ones.
 */
export async function modelLayerEntries(plan: ModelPlan): Promise<LayerSpec[]> {
  const prefix = appDir.replace(/^\//, '');
  const modelDir = cleanModelDir(plan.model.modelDir);
  const inWeights = (rel: string) => modelDir !== undefined && (rel === modelDir || rel.startsWith(`${modelDir}/`));
  const codeRoot = path.join(plan.buildDir, contextCodeDir);
  const all = await walkDirectory(codeRoot, { prefix, skip: (rel) => rel === plan.configName });
  const weights = all.filter((entry) => inWeights(entry.path.slice(prefix.length + 1)));
  const code = all.filter((entry) => !inWeights(entry.path.slice(prefix.length + 1)));
  const configFile = path.join(plan.buildDir, plan.configName);
  const configInfo = await stat(configFile);
  const config: LayerEntry = { path: `${prefix}/${plan.configName}`, type: 'file', mode: 0o644, size: configInfo.size, contents: await readFile(configFile) };
  const layers: LayerSpec[] = [];
  if (weights.length > 0) layers.push({ name: 'weights', gzip: false, createdBy: `COPY code/${modelDir} ${appDir}/${modelDir}`, entries: weights });
  layers.push({
    name: 'code',
    gzip: true,
    createdBy: `COPY code/ ${appDir}/`,
    entries: code.length > 0 ? code : [{ path: prefix, type: 'directory' as const, mode: 0o755, size: 0 }],
  });
  layers.push({ name: 'config', gzip: true, createdBy: `COPY ${plan.configName} ${appDir}/${plan.configName}`, entries: [config] });
  return layers;
}
