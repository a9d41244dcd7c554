// A user's project in a temp folder: uai.config.ts (importing @uai/core, resolved through a
// node_modules link to the repository's), model folders made from examples/caffe-mnist/code, and a
// HOME, Docker config and TMPDIR of its own so nothing of the real user's is read or written.
import { createHash } from 'node:crypto';
import { chmod, cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from './exec.mjs';
import { repoRoot } from './paths.mjs';

export const exampleCode = path.join(repoRoot, 'examples/caffe-mnist/code');

export interface ModelSpec {
  name: string;
  image: string;
  /** Python module of the main class; `digits.serve` puts the example's code at digits/serve.py. @default 'mnist_inference' */
  mainModule?: string;
  mainClass?: string;
  /** Model files to leave out, e.g. `['caffemodel']`. */
  omit?: ('prototxt' | 'caffemodel')[];
  /** Config keys to change or remove (undefined), for config-error cases. */
  override?: Record<string, unknown>;
}

export interface Project {
  /** The project folder (holds uai.config.ts). */
  dir: string;
  /** HOME for uai; its Docker config is HOME/.docker (DOCKER_CONFIG). */
  home: string;
  dockerConfig: string;
  /** TMPDIR for uai: its temporary Docker config must be gone from here after a run. */
  tmp: string;
  /** Folder of the recording `docker` wrapper, first on uai's PATH. */
  binDir: string;
  /** One line per docker call uai made: `DOCKER_CONFIG=<dir> argv...`. */
  dockerLog: string;
  namespace: string;
  imageRef(host: string, image: string): string;
  remove(): Promise<void>;
}

function modelConfig(spec: ModelSpec): Record<string, unknown> {
  const model: Record<string, unknown> = {
    name: spec.name,
    framework: 'caffe',
    aiArchV: 'caffe-1.0.0',
    packFilePath: `./models/${spec.name}`,
    mainModule: spec.mainModule ?? 'mnist_inference',
    mainClass: spec.mainClass ?? 'MnistModel',
    modelDir: 'checkpoint_dir',
    modelName: 'mnist_model',
    image: spec.image,
  };
  for (const [key, value] of Object.entries(spec.override ?? {})) {
    if (value === undefined) delete model[key];
    else model[key] = value;
  }
  return model;
}

/** Copies the example's code for one model, moved and renamed as the spec says. */
async function writeModel(dir: string, spec: ModelSpec): Promise<void> {
  await cp(exampleCode, dir, { recursive: true });
  const mainModule = spec.mainModule ?? 'mnist_inference';
  if (mainModule !== 'mnist_inference' || spec.mainClass) {
    const source = await readFile(path.join(dir, 'mnist_inference.py'), 'utf8');
    await rm(path.join(dir, 'mnist_inference.py'));
    const target = path.join(dir, `${mainModule.split('.').join('/')}.py`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, source.replace(/class MnistModel\b/, `class ${spec.mainClass ?? 'MnistModel'}`));
  }
  for (const ext of spec.omit ?? []) await rm(path.join(dir, 'checkpoint_dir', `mnist_model.${ext}`));
}

/** A `docker` that records its argv and DOCKER_CONFIG, then runs the real one. */
async function writeDockerWrapper(binDir: string, logFile: string): Promise<void> {
  const real = (await run('sh', ['-c', 'command -v docker'])).stdout.trim();
  if (!real) throw new Error('docker not found on PATH');
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  await mkdir(binDir, { recursive: true });
  const wrapper = path.join(binDir, 'docker');
  await writeFile(wrapper, ['#!/bin/sh', `printf '%s\\n' "DOCKER_CONFIG=$DOCKER_CONFIG $*" >> ${quote(logFile)}`, `exec ${quote(real)} "$@"`, ''].join('\n'));
  await chmod(wrapper, 0o755);
}

export async function createProject(options: { models: ModelSpec[]; namespace?: string }): Promise<Project> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'uai-e2e-'));
  const dir = path.join(base, 'project');
  const home = path.join(base, 'home');
  const dockerConfig = path.join(home, '.docker');
  const tmp = path.join(base, 'tmp');
  const binDir = path.join(base, 'bin');
  const dockerLog = path.join(base, 'docker-calls.log');
  const namespace = options.namespace ?? 'uai_e2e';
  await Promise.all([mkdir(dir), mkdir(dockerConfig, { recursive: true }), mkdir(tmp)]);
  await writeFile(path.join(dockerConfig, 'config.json'), '{}\n');
  await writeDockerWrapper(binDir, dockerLog);
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const spec of options.models) await writeModel(path.join(dir, 'models', spec.name), spec);
  const config = { registry: { namespace }, models: options.models.map(modelConfig) };
  await writeFile(
    path.join(dir, 'uai.config.ts'),
    `import { defineConfig } from '@uai/core';\n\nexport default defineConfig(${JSON.stringify(config, null, 2)});\n`,
  );
  return {
    dir,
    home,
    dockerConfig,
    tmp,
    binDir,
    dockerLog,
    namespace,
    imageRef: (host, image) => `${host}/${namespace}/${image}`,
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

/** Every regular file under `dir` (links are not followed), as path -> contents. */
export async function readTree(dir: string, skip: (relative: string) => boolean = () => false): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (relative: string) => {
    for (const name of (await readdir(path.join(dir, relative))).sort()) {
      const rel = relative ? `${relative}/${name}` : name;
      if (skip(rel)) continue;
      const full = path.join(dir, rel);
      const info = await lstat(full);
      if (info.isDirectory()) await walk(rel);
      else if (info.isSymbolicLink()) files.set(rel, Buffer.from(`-> ${await readlink(full)}`));
      else if (info.isFile()) files.set(rel, await readFile(full));
    }
  };
  await walk('');
  return files;
}

/** A hash of a tree's paths and contents, to show a build left the user's files alone. */
export async function hashTree(dir: string, skip?: (relative: string) => boolean): Promise<string> {
  const hash = createHash('sha256');
  for (const [rel, contents] of await readTree(dir, skip)) hash.update(`${rel}\0`).update(contents).update('\0');
  return hash.digest('hex');
}
