// What a user sees when the registry refuses them or cannot be reached, when the config is wrong, and
// when they press Ctrl-C: the right exit status, a message that says what to fix, and no password or
// temporary Docker config left behind.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { run } from './support/exec.mjs';
import { uaiBin } from './support/paths.mjs';
import { randomPassword } from './support/registry.mjs';
import { createProject, type Project } from './support/project.js';
import { freePort, waitFor } from './support/wait.mjs';
import { registryEnv, runUai } from './support/uai.js';

const registry = e2eContext();
let project: Project;

beforeAll(async () => {
  project = await createProject({ models: [{ name: 'alpha', image: 'caffe-alpha:failures' }] });
});

afterAll(async () => {
  await project?.remove();
});

async function leftoverDockerConfigs(): Promise<string[]> {
  return (await readdir(project.tmp)).filter((name) => name.startsWith('uai-docker-'));
}

describe('registry failures', () => {
  it('a wrong password: a message about authentication naming the host, exit 1, the password nowhere', async () => {
    const wrong = randomPassword();
    const result = await runUai(project, ['build'], { ...registryEnv(registry), password: wrong });
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.code, output).toBe(1);
    expect(output).toMatch(/authentication/i);
    expect(output).toContain(registry.host);
    expect(output).toContain('UHUB_PASSWORD');
    expect(output).not.toContain(wrong);
    expect(result.dockerCalls.join('\n')).not.toContain(wrong);
    expect(result.dockerCalls.some((call) => / (build|push) /.test(call))).toBe(false);
    expect(await leftoverDockerConfigs()).toEqual([]);
  });

  it('an unreachable registry: a message naming the host, exit 1', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const result = await runUai(project, ['build', '--json'], { ...registryEnv(registry), host: closed });
    expect(result.code, result.stderr).toBe(1);
    const [model] = JSON.parse(result.stdout).models;
    expect(model).toMatchObject({ name: 'alpha', status: 'failed', digest: null, error: { code: 'UAI_REGISTRY_UNREACHABLE' } });
    expect(model.error.message).toContain(closed);
    expect(model.error.message).toMatch(/cannot reach/i);
    expect(`${result.stdout}${result.stderr}`).not.toContain(registry.password);
    expect(await leftoverDockerConfigs()).toEqual([]);
  });
});

describe('base image failures', () => {
  it('no credentials and no docker login: the pull of the base fails with a message about authentication naming it', async () => {
    // Earlier tests may have pulled the base into the engine; it must come from the registry here.
    await run('docker', ['rmi', `${registry.host}/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`]);
    const result = await runUai(project, ['build', '--json'], { host: registry.host });
    expect(result.code, result.stderr).toBe(1);
    const [model] = JSON.parse(result.stdout).models;
    expect(model).toMatchObject({ status: 'failed', error: { step: 'build', code: 'UAI_AUTH_FAILED' } });
    expect(model.error.message).toMatch(/authentication/i);
    expect(model.error.message).toContain(`${registry.host}/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`);
    expect(model.error.message).not.toMatch(/legacy builder/);
  });

  it('a baseImage the registry does not hold: a message naming it, exit 1', async () => {
    const missing = `${registry.host}/uaishare/no-such-base:v9`;
    const other = await createProject({ models: [{ name: 'orphan', image: 'caffe-orphan:e2e', override: { baseImage: missing } }] });
    try {
      const result = await runUai(other, ['build', '--json'], registryEnv(registry));
      expect(result.code, result.stderr).toBe(1);
      const [model] = JSON.parse(result.stdout).models;
      expect(model).toMatchObject({ status: 'failed', error: { step: 'build' } });
      expect(model.error.message).toContain(missing);
    } finally {
      await other.remove();
    }
  });
});

describe('config errors', () => {
  it('a model without modelName: exit 2, the key named, nothing run', async () => {
    const broken = await createProject({
      models: [{ name: 'nameless', image: 'caffe-nameless:e2e', override: { modelName: undefined } }],
    });
    try {
      const result = await runUai(broken, ['build'], registryEnv(registry));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('models[0].modelName');
      expect(result.dockerCalls).toEqual([]);
    } finally {
      await broken.remove();
    }
  });
});

describe('Ctrl-C', () => {
  it('stops the build, exits 130 and removes the temporary Docker config', async () => {
    const earlierCalls = (await readFile(project.dockerLog, 'utf8').catch(() => '')).length;
    const child = spawn(process.execPath, [uaiBin, 'build'], {
      cwd: project.dir,
      env: {
        ...process.env,
        PATH: `${project.binDir}:${process.env.PATH}`,
        HOME: project.home,
        DOCKER_CONFIG: project.dockerConfig,
        TMPDIR: project.tmp,
        UAI_REGISTRY_HOST: registry.host,
        UHUB_USERNAME: registry.username,
        UHUB_PASSWORD: registry.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Interrupt once docker build has started, when there is a child to stop and a config to remove.
    await waitFor(
      'uai to start docker build',
      async () => {
        const calls = (await readFile(project.dockerLog, 'utf8').catch(() => '')).slice(earlierCalls);
        return / build /.test(calls) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    child.kill('SIGINT');
    expect(await exited, output).toBe(130);
    expect(output).toMatch(/interrupted/i);
    expect(await leftoverDockerConfigs()).toEqual([]);
  });
});
