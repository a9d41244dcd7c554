// Issue 3 end to end: one config with a model of every framework (plus a third-party plugin imported by
// the config), each image read back from the registry and run; the same models through the old
// `uai packdocker` command line; a config with `registry.inUhost`; and `uai lock`.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { run } from './support/exec.mjs';
import { frameworkModels, onnxModel, selfModel, writeFrameworkModel, type FrameworkModel } from './support/framework-files.js';
import { createProject, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';
import { callService, startService } from './support/service.mjs';
import { registryEnv, runUai, type UaiRun } from './support/uai.js';

const registry = e2eContext();
const client = registryClient(registry);
const app = 'ai-ucloud-client-django';
const cmd = ['/bin/sh', '-c', 'cd /ai-ucloud-client-django && gunicorn -c gunicorn.conf.py httpserver.wsgi'];
const models: FrameworkModel[] = [...frameworkModels, selfModel(registry.host), onnxModel];

function configSource(entries: FrameworkModel[], options: { inUhost?: boolean; importOnnx?: boolean; tag: string }): string {
  const list = entries.map((model) => ({ name: model.name, packFilePath: `./models/${model.name}`, image: `${model.name}:${options.tag}`, ...model.config }));
  const registryConfig = { namespace: 'uai_frameworks', ...(options.inUhost ? { inUhost: true } : {}) };
  return [
    "import { defineConfig } from '@uai/core';",
    ...(options.importOnnx ? ["import onnx from 'uai-plugin-onnx';"] : []),
    '',
    'export default defineConfig({',
    `  registry: ${JSON.stringify(registryConfig)},`,
    ...(options.importOnnx ? ['  plugins: [onnx()],'] : []),
    `  models: ${JSON.stringify(list, null, 2)},`,
    '});',
    '',
  ].join('\n');
}

let project: Project;
let built: UaiRun;
let report: { models: { name: string; image: string; status: string; digest: string | null; error: unknown }[] };

beforeAll(async () => {
  project = await createProject({ models: [], namespace: 'uai_frameworks' });
  for (const model of models) await writeFrameworkModel(project.dir, model);
  await writeFile(path.join(project.dir, 'uai.config.ts'), configSource(models, { importOnnx: true, tag: 'e2e' }));
  built = await runUai(project, ['build', '--json'], registryEnv(registry));
  process.stderr.write(`[e2e] ${models.length}-framework uai build took ${built.durationMs} ms\n`);
  report = JSON.parse(built.stdout);
});

afterAll(async () => {
  await project?.remove();
});

const imageOf = (name: string) => report.models.find((model) => model.name === name)!.image;

/** What a user checks of a pushed image: base layers, ENV, EXPOSE, CMD, the service config and the files. */
async function checkImage(ref: string, model: FrameworkModel, baseRef: string): Promise<void> {
  const { repository, reference } = splitImageRef(ref);
  const image = await client.manifest(repository, reference);
  const base = splitImageRef(baseRef);
  const baseManifest = await client.manifest(base.repository, base.reference.split('@')[0]);
  // Built FROM the catalog's base: its layers come first, unchanged.
  expect(image.manifest.layers.slice(0, baseManifest.manifest.layers.length).map((l) => l.digest)).toEqual(baseManifest.manifest.layers.map((l) => l.digest));
  const { config } = await client.imageConfig(repository, reference);
  expect(config.Env).toContain(`UAI_SERVICE_CONFIG=${model.configPath}`);
  expect(config.Env.includes('PYTHONPATH=/root/caffe/python')).toBe(model.config.framework === 'caffe');
  expect(config.ExposedPorts).toEqual({ '8080/tcp': {} });
  expect(config.Cmd).toEqual(cmd);
  const files = await client.files(repository, reference);
  const serviceConfig = files.get(model.configPath.slice(1));
  expect(serviceConfig?.type, model.configPath).toBe('file');
  if (model.serviceConfig) expect(JSON.parse(serviceConfig!.data.toString('utf8'))).toEqual(model.serviceConfig);
  for (const file of model.files) expect(files.get(`${app}/${file}`)?.type, file).toBe('file');
}

async function runAndCall(ref: string): Promise<{ status: number; body: string }> {
  await run('docker', ['rmi', ref]);
  const service = await startService({ image: ref, dockerConfig: registry.dockerConfig });
  try {
    return await callService('e2e');
  } finally {
    await service.stop();
  }
}

describe('uai build: a model of every framework in one config', () => {
  it('pushes every model', () => {
    expect(built.code, built.stderr).toBe(0);
    expect(report.models.map((m) => [m.name, m.status])).toEqual(models.map((m) => [m.name, 'pushed']));
  });

  it.each(models.map((model) => ({ name: model.name, model })))('$name: the registry holds what the platform expects', async ({ model }) => {
    const plan = await readFile(path.join(project.dir, '.uai/build', model.name, 'uaiservice.Dockerfile'), 'utf8');
    const from = /^FROM (\S+)$/m.exec(plan)![1];
    await checkImage(imageOf(model.name), model, from);
  });

  it.each(models.map((model) => ({ name: model.name, model })))('$name: pulled and run, answers POST /service', async ({ model }) => {
    const answer = await runAndCall(imageOf(model.name));
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok', framework: model.standinFramework, config: model.configPath });
  });
});

describe('uai packdocker: the old command line of every framework', () => {
  /** The old flags for a model, as UCloud's docs write them. */
  function oldFlags(model: FrameworkModel, image: string): string[] {
    const c = model.config;
    const flags: Record<string, unknown> = {
      pack_file_path: `./models/${model.name}`,
      main_module: c.mainModule,
      main_class: c.mainClass,
      model_dir: c.modelDir,
      model_name: c.modelName,
      uhub_registry: 'uai_packdocker',
      uhub_imagename: image,
      ai_arch_v: c.aiArchV,
      num_epoch: c.numEpoch,
      model_arch_type: c.modelArchType,
      bimg_name: c.baseImage,
      conf_file: c.confFile,
      in_host: 'no',
    };
    return Object.entries(flags)
      .filter(([, value]) => value !== undefined)
      .flatMap(([flag, value]) => [`--${flag}`, String(value)]);
  }

  // tensorflow's extra keys are a config-file feature; its packdocker image gets model_dir only.
  it.each(models.filter((m) => m.packdocker).map((model) => ({ name: model.packdocker, model })))('packdocker $name', async ({ model }) => {
    const image = `${model.name}-old:e2e`;
    // The caffe run gives the password as the old flag; the others take UHUB_PASSWORD.
    const viaFlag = model.packdocker === 'caffe';
    const args = [
      'packdocker',
      model.packdocker,
      ...oldFlags(model, image),
      '--uhub_username',
      registry.username,
      '--public_key',
      'PUBLIC-KEY-e2e',
      '--private_key',
      'PRIVATE-KEY-e2e',
    ];
    if (viaFlag) args.push('--uhub_password', registry.password);
    const result = await runUai(project, args, viaFlag ? { host: registry.host } : registryEnv(registry));
    expect(result.code, result.stderr).toBe(0);
    const ref = `${registry.host}/uai_packdocker/${image}`;
    expect(result.stdout).toContain(`upload docker images successful. images:${ref}`);
    for (const text of [result.stdout, result.stderr, ...result.dockerCalls]) {
      expect(text).not.toContain(registry.password);
      expect(text).not.toContain('PRIVATE-KEY-e2e');
    }
    const expected =
      model.packdocker === 'tf' ? { ...model, serviceConfig: { http_server: { exec: exec(model), tensorflow: { model_dir: './export' } } } } : model;
    const from = /^FROM (\S+)$/m.exec(await readFile(path.join(project.dir, '.uai/build', `${model.name}-old`, 'uaiservice.Dockerfile'), 'utf8'))![1];
    await checkImage(ref, expected, from);
  });

  it('--print-config prints the equivalent uai.config.ts, which builds the same service config', async () => {
    const model = frameworkModels.find((m) => m.packdocker === 'mxnet')!;
    const result = await runUai(project, ['packdocker', 'mxnet', ...oldFlags(model, 'printed:v1'), '--print-config'], {});
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('numEpoch: 3');
    const printed = await createProject({ models: [], namespace: 'uai_packdocker' });
    try {
      await writeFrameworkModel(printed.dir, model);
      await writeFile(path.join(printed.dir, 'uai.config.ts'), result.stdout);
      const dry = await runUai(printed, ['build', '--dry-run'], { host: registry.host });
      expect(dry.code, dry.stderr).toBe(0);
      const ufile = JSON.parse(await readFile(path.join(printed.dir, '.uai/build/printed/ufile.json'), 'utf8'));
      expect(ufile).toEqual(model.serviceConfig);
    } finally {
      await printed.remove();
    }
  });
});

function exec(model: FrameworkModel) {
  return { main_file: model.config.mainModule, main_class: model.config.mainClass };
}

describe('registry.inUhost: bases pulled from and images pushed to the internal host', () => {
  it('uses internalHost for FROM and the push, and finds framework onnx by package name', async () => {
    const internal = registry.host.replace('127.0.0.1', 'localhost');
    const inUhost = [frameworkModels[0], onnxModel];
    const other = await createProject({ models: [], namespace: 'uai_frameworks' });
    try {
      for (const model of inUhost) await writeFrameworkModel(other.dir, model);
      // No `plugins:` here: framework 'onnx' is found as the installed package uai-plugin-onnx.
      await writeFile(path.join(other.dir, 'uai.config.ts'), configSource(inUhost, { inUhost: true, tag: 'internal' }));
      const result = await runUai(other, ['build', '--json'], { ...registryEnv(registry), extra: { UAI_REGISTRY_INTERNAL_HOST: internal } });
      expect(result.code, result.stderr).toBe(0);
      const pushed = JSON.parse(result.stdout).models as { image: string; status: string }[];
      expect(pushed.map((m) => [m.image, m.status])).toEqual(inUhost.map((m) => [`${internal}/uai_frameworks/${m.name}:internal`, 'pushed']));
      const dockerfile = await readFile(path.join(other.dir, '.uai/build/fw-caffe/uaiservice.Dockerfile'), 'utf8');
      expect(dockerfile).toContain(`FROM ${internal}/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`);
      expect(result.dockerCalls.some((call) => call.includes(`login --username ${registry.username} --password-stdin ${internal}`))).toBe(true);
      expect(result.dockerCalls.some((call) => call.includes(`login --username ${registry.username} --password-stdin ${registry.host}`))).toBe(false);
    } finally {
      await other.remove();
    }
  });
});

describe('uai lock', () => {
  it('pins base images to their registry digests, builds FROM them, and says when the lock is stale', async () => {
    const locked = await createProject({ models: [], namespace: 'uai_frameworks' });
    try {
      const caffe = frameworkModels[0];
      await writeFrameworkModel(locked.dir, caffe);
      await writeFile(path.join(locked.dir, 'uai.config.ts'), configSource([caffe], { tag: 'locked' }));
      const lock = await runUai(locked, ['lock'], registryEnv(registry));
      expect(lock.code, lock.stderr).toBe(0);
      const base = `${registry.host}/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`;
      const { digest } = await client.manifest('uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0', 'v1.2');
      expect(JSON.parse(await readFile(path.join(locked.dir, 'uai.lock.json'), 'utf8'))).toEqual({ version: 1, images: { [base]: digest } });

      const build = await runUai(locked, ['build'], registryEnv(registry));
      expect(build.code, build.stderr).toBe(0);
      expect(await readFile(path.join(locked.dir, '.uai/build/fw-caffe/uaiservice.Dockerfile'), 'utf8')).toContain(`FROM ${base}@${digest}`);
      expect(build.stderr).not.toContain('stale');

      // A model moved to another aiArchV: the lock no longer covers it.
      await writeFile(
        path.join(locked.dir, 'uai.config.ts'),
        configSource([{ ...caffe, config: { ...caffe.config, aiArchV: 'caffe-1.0.0gpu' } }], { tag: 'locked' }),
      );
      const stale = await runUai(locked, ['build', '--dry-run'], registryEnv(registry));
      expect(stale.code, stale.stderr).toBe(0);
      expect(stale.stderr).toContain('uai.lock.json is stale; run uai lock');
      expect(stale.stderr).toContain('gpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.0 is not in uai.lock.json');
    } finally {
      await locked.remove();
    }
  });
});
