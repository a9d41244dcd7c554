// Issue 2's "done when": three caffe models, one without its .caffemodel. Two are pushed, the third is
// reported with the missing file, exit 1, and --json gives each status and the registry's digests.
// Then what a user would check: the registry holds what the platform expects, the image runs and
// answers POST /service, the password went nowhere, and the source tree is as it was.
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { docker, run } from './support/exec.mjs';
import { createProject, hashTree, readTree, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';
import { callService, startService } from './support/service.mjs';
import { registryEnv, runUai, type UaiRun } from './support/uai.js';

const registry = e2eContext();
const client = registryClient(registry);
const models = [
  { name: 'alpha', image: 'caffe-alpha:e2e' },
  { name: 'beta', image: 'caffe-beta:e2e', mainModule: 'digits.serve', mainClass: 'DigitModel' },
  { name: 'gamma', image: 'caffe-gamma:e2e', omit: ['caffemodel' as const] },
];
const outsideUai = (rel: string) => rel === '.uai' || rel === 'node_modules';
const staleUfile = '{"http_server": {"exec": {"main_file": "old", "main_class": "Old"}}}\n';

interface JsonModel {
  name: string;
  image: string;
  status: string;
  digest: string | null;
  durationMs: number;
  error: { step: string; code: string; message: string } | null;
}

let project: Project;
let result: UaiRun;
let report: { models: JsonModel[] };
let sourceHash: string;
const byName = (name: string) => report.models.find((model) => model.name === name)!;

beforeAll(async () => {
  project = await createProject({ models });
  // A service config an old run of the old tool left in packFilePath: replaced in the image only.
  await writeFile(`${project.dir}/models/beta/ufile.json`, staleUfile);
  sourceHash = await hashTree(project.dir, outsideUai);
  result = await runUai(project, ['build', '--json'], registryEnv(registry));
  process.stderr.write(`[e2e] 3-model uai build --json took ${result.durationMs} ms\n`);
  report = JSON.parse(result.stdout);
});

afterAll(async () => {
  await project?.remove();
});

describe('uai build --json, three caffe models, one without its .caffemodel', () => {
  it('pushes two, fails the third naming the missing file, and exits 1', () => {
    expect(result.code, result.stderr).toBe(1);
    expect(report.models.map(({ name, status }) => ({ name, status }))).toEqual([
      { name: 'alpha', status: 'pushed' },
      { name: 'beta', status: 'pushed' },
      { name: 'gamma', status: 'failed' },
    ]);
    const gamma = byName('gamma');
    expect(gamma.digest).toBeNull();
    expect(gamma.error).toMatchObject({ step: 'check', code: 'UAI_MODEL_FILE_MISSING' });
    expect(gamma.error!.message).toContain('models/gamma/checkpoint_dir/mnist_model.caffemodel');
  });

  it('prints exactly one JSON document on stdout, progress on stderr', () => {
    expect(() => JSON.parse(result.stdout)).not.toThrow();
    expect(result.stdout.trim().startsWith('{')).toBe(true);
    expect(result.stdout.trim().endsWith('}')).toBe(true);
    for (const model of report.models) {
      expect(Object.keys(model).sort()).toEqual(['digest', 'durationMs', 'error', 'image', 'name', 'status']);
      expect(model.image).toBe(project.imageRef(registry.host, models.find((m) => m.name === model.name)!.image));
    }
    expect(result.stderr).toMatch(/alpha/);
  });

  it('reports the digests the registry gives for the pushed images', async () => {
    for (const name of ['alpha', 'beta']) {
      const model = byName(name);
      const { repository, reference } = splitImageRef(model.image);
      const { digest, mediaType } = await client.manifest(repository, reference);
      expect(mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
      expect(model.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(model.digest).toBe(digest);
    }
    // Nothing of the failed model reached the registry.
    const gamma = await fetch(`${registry.url}/v2/${project.namespace}/caffe-gamma/tags/list`, {
      headers: { Authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}` },
    });
    expect(gamma.status).toBe(404);
  });
});

describe('the pushed image, read back from the registry', () => {
  it('has the ENV, EXPOSE and CMD of uai-platform.md', async () => {
    const { repository, reference } = splitImageRef(byName('alpha').image);
    const { config } = await client.imageConfig(repository, reference);
    expect(config.Env).toContain('UAI_SERVICE_CONFIG=/ai-ucloud-client-django/ufile.json');
    expect(config.Env).toContain('PYTHONPATH=/root/caffe/python');
    expect(config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(config.Cmd).toEqual(['/bin/sh', '-c', 'cd /ai-ucloud-client-django && gunicorn -c gunicorn.conf.py httpserver.wsgi']);
    expect(config.Labels).toMatchObject({ 'ai.uai.model': 'alpha', 'ai.uai.framework': 'caffe' });
  });

  it('holds the code, the model files and the generated ufile.json (not the stale one) at /ai-ucloud-client-django', async () => {
    const { repository, reference } = splitImageRef(byName('beta').image);
    const files = await client.files(repository, reference);
    const app = 'ai-ucloud-client-django';
    const ufile = files.get(`${app}/ufile.json`);
    expect(ufile?.type).toBe('file');
    expect(JSON.parse(ufile!.data.toString('utf8'))).toEqual({
      http_server: {
        exec: { main_file: 'digits.serve', main_class: 'DigitModel' },
        caffe: { model_dir: 'checkpoint_dir', model_name: 'mnist_model' },
      },
    });
    const source = await readTree(`${project.dir}/models/beta`, (rel) => rel === 'ufile.json');
    for (const [rel, contents] of source) {
      expect(files.get(`${app}/${rel}`)?.data.equals(contents), rel).toBe(true);
    }
    // The base image's server is there; the build's own files are not.
    expect(files.has('usr/bin/gunicorn')).toBe(true);
    expect(files.has(`${app}/gunicorn.conf.py`)).toBe(true);
    expect([...files.keys()].filter((name) => /uaiservice\.Dockerfile|\.uai\//.test(name))).toEqual([]);
  });
});

describe('the pushed image, pulled and run', () => {
  it.each(['alpha', 'beta'])('%s answers POST /service with 200', async (name) => {
    const ref = byName(name).image;
    // Drop the local build so what runs is what the registry holds.
    await run('docker', ['rmi', ref]);
    await docker(registry.dockerConfig, ['pull', '--quiet', ref]);
    const service = await startService({ image: ref, dockerConfig: registry.dockerConfig });
    try {
      const answer = await callService('e2e');
      expect(answer.status, answer.body).toBe(200);
      const spec = models.find((m) => m.name === name)!;
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 'ok',
        framework: 'caffe',
        main_file: spec.mainModule ?? 'mnist_inference',
        main_class: spec.mainClass ?? 'MnistModel',
        config: '/ai-ucloud-client-django/ufile.json',
      });
    } finally {
      await service.stop();
    }
  });
});

describe('secrets and side effects', () => {
  it('logs in with --password-stdin: the password is in no docker argv', () => {
    const logins = result.dockerCalls.filter((call) => / login /.test(call));
    expect(logins).toHaveLength(1);
    expect(logins[0]).toContain(`login --username ${registry.username} --password-stdin ${registry.host}`);
    for (const call of result.dockerCalls) expect(call).not.toContain(registry.password);
  });

  it('prints the password nowhere and writes it to no file of the project, HOME or TMPDIR', async () => {
    const encoded = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(registry.password);
      expect(text).not.toContain(encoded);
    }
    for (const dir of [project.dir, project.home, project.tmp]) {
      for (const [rel, contents] of await readTree(dir, (r) => r === 'node_modules')) {
        expect(contents.includes(registry.password), `${dir}/${rel}`).toBe(false);
        expect(contents.includes(encoded), `${dir}/${rel}`).toBe(false);
      }
    }
  });

  it('removes its temporary DOCKER_CONFIG (it was under TMPDIR, not the project or HOME)', async () => {
    // Only the engine check (docker version) runs before the login; every later call uses the temp config.
    const [check, ...rest] = result.dockerCalls;
    expect(check).toMatch(/ version /);
    const configs = new Set(rest.map((call) => /^DOCKER_CONFIG=(\S*)/.exec(call)![1]));
    expect(configs.size).toBe(1);
    const [temp] = configs;
    expect(temp.startsWith(`${project.tmp}/uai-docker-`)).toBe(true);
    expect(existsSync(temp)).toBe(false);
    expect((await readdir(project.tmp)).filter((name) => name.startsWith('uai-docker-'))).toEqual([]);
  });

  it('leaves the source tree as it was, writing only under .uai/', async () => {
    expect(await hashTree(project.dir, outsideUai)).toBe(sourceHash);
    expect((await readdir(project.dir)).sort()).toEqual(['.uai', 'models', 'node_modules', 'uai.config.ts']);
    expect(existsSync(`${project.dir}/models/alpha/ufile.json`)).toBe(false);
    expect(await readFile(`${project.dir}/models/beta/ufile.json`, 'utf8')).toBe(staleUfile);
    expect(existsSync(`${project.dir}/.uai/build/alpha/uaiservice.Dockerfile`)).toBe(true);
  });
});
