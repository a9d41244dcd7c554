// The flags a user reaches for while iterating: --dry-run, --no-push and --model.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { run } from './support/exec.mjs';
import { createProject, type Project } from './support/project.js';
import { registryEnv, runUai } from './support/uai.js';

const registry = e2eContext();
let project: Project;

beforeAll(async () => {
  project = await createProject({
    namespace: 'uai_modes',
    models: [
      { name: 'alpha', image: 'caffe-alpha:modes' },
      { name: 'beta', image: 'caffe-beta:modes' },
    ],
  });
});

afterAll(async () => {
  await project?.remove();
});

describe('uai build', () => {
  it('--dry-run renders the plan and runs no builder (no docker call, no credentials needed)', async () => {
    const result = await runUai(project, ['build', '--dry-run'], { host: registry.host });
    expect(result.code, result.stderr).toBe(0);
    expect(result.dockerCalls).toEqual([]);
    expect(result.stdout).toMatch(/alpha\s+planned/);
    const dockerfile = await readFile(`${project.dir}/.uai/build/alpha/uaiservice.Dockerfile`, 'utf8');
    expect(dockerfile).toContain(`FROM ${registry.host}/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`);
    expect(existsSync(`${project.dir}/.uai/build/alpha/ufile.json`)).toBe(true);
  });

  it('--no-push --model beta builds beta only, prints `built image <ref>` and pushes nothing', async () => {
    const ref = project.imageRef(registry.host, 'caffe-beta:modes');
    const result = await runUai(project, ['build', '--no-push', '--model', 'beta'], registryEnv(registry));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`built image ${ref}`);
    expect(result.stdout).not.toContain('alpha');
    const builds = result.dockerCalls.filter((call) => / build /.test(call));
    expect(builds).toHaveLength(1);
    expect(builds[0]).toContain(`--tag ${ref}`);
    expect(result.dockerCalls.some((call) => / push /.test(call))).toBe(false);
    expect((await run('docker', ['image', 'inspect', ref])).code).toBe(0);
    const tags = await fetch(`${registry.url}/v2/uai_modes/caffe-beta/tags/list`, {
      headers: { Authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}` },
    });
    expect(tags.status).toBe(404);
  });

  it('--model with an unknown name exits 2 and lists the models', async () => {
    const result = await runUai(project, ['build', '--model', 'nosuch'], registryEnv(registry));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nosuch');
    expect(result.stderr).toMatch(/alpha, beta/);
    expect(result.dockerCalls).toEqual([]);
  });
});
