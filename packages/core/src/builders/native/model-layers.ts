import { walkDirectory, type LayerEntry } from '@uai/oci';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { contextCodeDir } from '../../plan/paths.js';
import type { ModelPlan } from '../../plan/plan.js';
import { appDir } from '../../plan/platform.js';

const mib = 1024 * 1024;

/**
 * A file of modelDir this big or bigger is a layer of its own: a changed weight file re-pushes only
 * itself, and one that another repository of the registry holds is mounted (see publish-registry.ts).
 */
export const ownLayerBytes = 64 * mib;

/** One layer of a UAI image, before it is packed: its entries and the Dockerfile line it stands for. */
export interface LayerSpec {
  /** What progress calls it: `weights` (the rest of modelDir), `code`, `config`, or a big file's path in the code folder. */
  name: string;
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

const byPathBytes = (a: LayerEntry, b: LayerEntry) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

/** `a/b/c` -> the folder entries `a`, `a/b` (as a layer's tar holds them, so each layer unpacks alone). */
function parentFolders(entryPath: string): LayerEntry[] {
  const parts = entryPath.split('/');
  return parts.slice(1).map((_, i) => ({ path: parts.slice(0, i + 1).join('/'), type: 'directory' as const, mode: 0o755, size: 0 }));
}

/**
 * modelDir's layers: each file of `ownLayerBytes` or more alone (with its parent folders), in path
 * order, then the rest of modelDir (its folders and smaller files) in one. All uncompressed.
 */
function weightsLayers(weights: LayerEntry[], prefix: string, modelDir: string): LayerSpec[] {
  const isBig = (entry: LayerEntry) => entry.type === 'file' && entry.size >= ownLayerBytes;
  const big = weights.filter(isBig).sort(byPathBytes);
  const layers: LayerSpec[] = big.map((entry) => {
    const inCode = entry.path.slice(prefix.length + 1);
    return { name: inCode, gzip: false, createdBy: `COPY code/${inCode} ${appDir}/${inCode}`, entries: [...parentFolders(entry.path), entry] };
  });
  const rest = weights.filter((entry) => !isBig(entry));
  // Empty only when modelDir names one big file.
  if (rest.length > 0) layers.push({ name: 'weights', gzip: false, createdBy: `COPY code/${modelDir} ${appDir}/${modelDir}`, entries: rest });
  return layers;
}

/**
 * Splits the build folder into the layers of a UAI image: model weights (modelDir, uncompressed: each
 * big file alone, then the rest), the rest of the code (gzip), and the service config (gzip). A code
 * change re-pushes only the small ones; a changed weight file only itself.
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
  const layers: LayerSpec[] = weights.length > 0 && modelDir ? weightsLayers(weights, prefix, modelDir) : [];
  layers.push({
    name: 'code',
    gzip: true,
    createdBy: `COPY code/ ${appDir}/`,
    entries: code.length > 0 ? code : [{ path: prefix, type: 'directory' as const, mode: 0o755, size: 0 }],
  });
  layers.push({ name: 'config', gzip: true, createdBy: `COPY ${plan.configName} ${appDir}/${plan.configName}`, entries: [config] });
  return layers;
}
