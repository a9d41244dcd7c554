import caffe from '@uai/plugin-caffe';
import { describe, expect, it } from 'vitest';
import { mnistModel } from '../config/caffe-mnist.fixture.js';
import { UaiError } from '../errors/uai-error.js';
import { planBuild, type ModelPlan } from './plan.js';
import type { UaiPlugin } from '../plugins/plugin.js';
import { PluginRegistry } from '../plugins/registry.js';
import { validateConfig, type ResolvedConfig } from '../config/validate.js';

const mnist = mnistModel;

const root = '/home/me/project';

function resolve(options: { registry?: Record<string, unknown>; model?: Record<string, unknown>; plugins?: UaiPlugin[] } = {}): ResolvedConfig {
  const raw = { registry: { namespace: 'uai_demo', ...options.registry }, models: [{ ...mnist, ...options.model }] };
  const { config, issues } = validateConfig(raw, new PluginRegistry(options.plugins ?? [caffe()]));
  expect(issues).toEqual([]);
  return config!;
}

function plan(options: Parameters<typeof resolve>[0] & { env?: NodeJS.ProcessEnv } = {}): ModelPlan {
  const { plans, issues } = planBuild(resolve(options), { root, env: options.env ?? {} });
  expect(issues).toEqual([]);
  return plans[0];
}

describe('planBuild', () => {
  it('plans the caffe example', () => {
    const { plugin, ...rest } = plan();
    expect(plugin.name).toBe('@uai/plugin-caffe');
    expect(rest).toMatchInlineSnapshot(`
      {
        "baseImage": "uhub.ucloud.cn/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2",
        "buildDir": "/home/me/project/.uai/build/mnist",
        "configName": "ufile.json",
        "env": [
          {
            "name": "UAI_SERVICE_CONFIG",
            "value": "/ai-ucloud-client-django/ufile.json",
          },
          {
            "name": "PYTHONPATH",
            "value": "/root/caffe/python",
          },
        ],
        "framework": "caffe",
        "imageRef": "uhub.ucloud.cn/uai_demo/caffe-inference:test",
        "model": {
          "aiArchV": "caffe-1.0.0",
          "baseImage": undefined,
          "framework": "caffe",
          "image": "caffe-inference:test",
          "mainClass": "MnistModel",
          "mainModule": "mnist_inference",
          "modelDir": "checkpoint_dir",
          "name": "mnist",
          "options": {
            "modelName": "mnist_model",
          },
          "os": "ubuntu",
          "packFilePath": "./examples/caffe-mnist/code",
          "pythonVersion": "python-2.7.6",
        },
        "modelFiles": [
          {
            "key": "modelName",
            "kind": "file",
            "path": "checkpoint_dir/mnist_model.prototxt",
          },
          {
            "key": "modelName",
            "kind": "file",
            "path": "checkpoint_dir/mnist_model.caffemodel",
          },
        ],
        "name": "mnist",
        "packDir": "/home/me/project/examples/caffe-mnist/code",
        "registryHost": "uhub.ucloud.cn",
        "serviceConfig": {
          "http_server": {
            "caffe": {
              "model_dir": "checkpoint_dir",
              "model_name": "mnist_model",
            },
            "exec": {
              "main_class": "MnistModel",
              "main_file": "mnist_inference",
            },
          },
        },
        "userConfigFile": undefined,
      }
    `);
  });

  const hosts = [
    { name: 'public host by default', expected: { push: 'uhub.ucloud.cn', base: 'uhub.ucloud.cn' } },
    {
      name: 'inUhost: internal host for base and push',
      registry: { inUhost: true },
      expected: { push: 'uhub.service.ucloud.cn', base: 'uhub.service.ucloud.cn' },
    },
    {
      name: 'registry.host moves both',
      registry: { host: 'mirror.example.com:5000' },
      expected: { push: 'mirror.example.com:5000', base: 'mirror.example.com:5000' },
    },
    {
      name: 'inUhost with a custom internalHost',
      registry: { inUhost: true, internalHost: 'internal.example.com' },
      expected: { push: 'internal.example.com', base: 'internal.example.com' },
    },
    {
      name: 'UAI_REGISTRY_HOST overrides registry.host',
      registry: { host: 'mirror.example.com' },
      env: { UAI_REGISTRY_HOST: 'localhost:5000' },
      expected: { push: 'localhost:5000', base: 'localhost:5000' },
    },
    {
      name: 'UAI_REGISTRY_HOST does not change an inUhost build',
      registry: { inUhost: true },
      env: { UAI_REGISTRY_HOST: 'localhost:5000' },
      expected: { push: 'uhub.service.ucloud.cn', base: 'uhub.service.ucloud.cn' },
    },
    {
      name: 'UAI_REGISTRY_INTERNAL_HOST overrides registry.internalHost',
      registry: { inUhost: true },
      env: { UAI_REGISTRY_INTERNAL_HOST: '127.0.0.1:5001', UAI_REGISTRY_HOST: 'localhost:5000' },
      expected: { push: '127.0.0.1:5001', base: '127.0.0.1:5001' },
    },
    { name: 'an empty UAI_REGISTRY_HOST is no override', env: { UAI_REGISTRY_HOST: '' }, expected: { push: 'uhub.ucloud.cn', base: 'uhub.ucloud.cn' } },
  ];

  it.each(hosts)('$name', ({ registry, env, expected }) => {
    const result = plan({ registry, env });
    expect(result.registryHost).toBe(expected.push);
    expect(result.imageRef).toBe(`${expected.push}/uai_demo/caffe-inference:test`);
    expect(result.baseImage).toBe(`${expected.base}/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`);
  });

  it.each([
    { name: 'on another registry', baseImage: 'registry.example.com/team/caffe-base:2024' },
    { name: 'pinned by digest', baseImage: `uhub.ucloud.cn/uaishare/caffe@sha256:${'0'.repeat(64)}` },
  ])('uses a baseImage override as given ($name), whatever the host settings', ({ baseImage }) => {
    const result = plan({ model: { baseImage }, registry: { inUhost: true }, env: { UAI_REGISTRY_INTERNAL_HOST: 'localhost:5000' } });
    expect(result.baseImage).toBe(baseImage);
    expect(result.imageRef).toBe('localhost:5000/uai_demo/caffe-inference:test');
  });

  it.each([
    { name: 'gpu', aiArchV: 'caffe-1.0.0gpu', expected: 'uhub.ucloud.cn/uaishare/gpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.0' },
    { name: 'intel', aiArchV: 'caffe-intel 1.0.0', expected: 'uhub.ucloud.cn/uaishare/mkl_uaiservice_ubuntu-14.04_python-2.7.6_intel_caffe-1.0.0:v1.1' },
  ])('picks the $name base image from aiArchV', ({ aiArchV, expected }) => {
    expect(plan({ model: { aiArchV } }).baseImage).toBe(expected);
  });

  it('copies modelDir into the service config exactly as written', () => {
    const result = plan({ model: { modelDir: './checkpoint_dir' } });
    expect(result.serviceConfig).toEqual({
      http_server: {
        exec: { main_file: 'mnist_inference', main_class: 'MnistModel' },
        caffe: { model_dir: './checkpoint_dir', model_name: 'mnist_model' },
      },
    });
  });

  it('builds each model in .uai/build/<name> under the config folder', () => {
    const config = resolve();
    config.models.push({ ...config.models[0], name: 'second', image: 'second:1' });
    const { plans } = planBuild(config, { root, env: {} });
    expect(plans.map((p) => [p.buildDir, p.imageRef])).toEqual([
      ['/home/me/project/.uai/build/mnist', 'uhub.ucloud.cn/uai_demo/caffe-inference:test'],
      ['/home/me/project/.uai/build/second', 'uhub.ucloud.cn/uai_demo/second:1'],
    ]);
  });

  it.each([
    {
      name: 'an unknown aiArchV',
      model: { aiArchV: 'caffe-2.0.0' },
      expected: {
        path: 'models[0].aiArchV',
        message:
          'unknown aiArchV "caffe-2.0.0" for framework caffe; known: caffe-1.0.0, caffe-1.0.0gpu, caffe-intel 1.0.0. Or set baseImage to a full image reference.',
      },
    },
    {
      name: 'an os no image has',
      model: { os: 'centos' },
      expected: {
        path: 'models[0].os',
        message:
          'no caffe-1.0.0 base image for os "centos" and pythonVersion "python-2.7.6"; available: ubuntu-14.04/python-2.7.6 (uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2). Set os/pythonVersion to one of them, or set baseImage.',
      },
    },
  ])('reports $name as an issue naming the key', ({ model, expected }) => {
    const { plans, issues } = planBuild(resolve({ model }), { root, env: {} });
    expect(plans).toEqual([]);
    expect(issues).toEqual([expected]);
  });

  it.each([
    { name: 'a newline', env: { UAI_REGISTRY_HOST: 'localhost:5000\nRUN id' } },
    { name: 'a path', env: { UAI_REGISTRY_INTERNAL_HOST: 'host/evil' } },
    { name: 'a space', env: { UAI_REGISTRY_HOST: 'two hosts' } },
  ])('refuses a registry host override with $name', ({ env }) => {
    const { plans, issues } = planBuild(resolve(), { root, env });
    expect(plans).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe(`env ${Object.keys(env)[0]}`);
    expect(issues[0].message).toContain('is not a registry host');
  });

  it('says which plugin failed when a hook throws', () => {
    const broken: UaiPlugin = {
      ...caffe(),
      name: 'uai-plugin-broken',
      serviceConfig: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'modelName')");
      },
    };
    const config = resolve({ plugins: [broken] });
    const error = (() => {
      try {
        planBuild(config, { root, env: {} });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(UaiError);
    expect((error as UaiError).code).toBe('UAI_PLUGIN_HOOK_FAILED');
    expect((error as UaiError).plugin).toBe('uai-plugin-broken');
    expect((error as UaiError).message).toMatchInlineSnapshot(
      `"Plugin uai-plugin-broken failed in serviceConfig() for model mnist: Cannot read properties of undefined (reading 'modelName'). This is a bug in the plugin; report it to its authors."`,
    );
  });
});
