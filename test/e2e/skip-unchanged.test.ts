// Skip unchanged with the Docker builder: a second `uai build` of the same inputs asks the registry
// which inputs its image was made from and skips the model (so does the native builder); a code
// change or --force builds again.
import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { createProject, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';
import { registryEnv, runUai } from './support/uai.js';

const registry = e2eContext();
const client = registryClient(registry);
let project: Project;

beforeAll(async () => {
  project = await createProject({
    namespace: 'uai_skip',
    models: [
      { name: 'alpha', image: 'caffe-alpha:skip' },
      { name: 'beta', image: 'caffe-beta:skip' },
    ],
  });
});

afterAll(async () => {
  await project?.remove();
});

const statuses = (stdout: string) => Object.fromEntries((JSON.parse(stdout).models as { name: string; status: string }[]).map((m) => [m.name, m.status]));
const digests = (stdout: string) => Object.fromEntries((JSON.parse(stdout).models as { name: string; digest: string | null }[]).map((m) => [m.name, m.digest]));
const builds = (calls: string[]) => calls.filter((call) => / build /.test(call)).length;

describe('uai build --builder docker, twice', () => {
  it('labels the first images with their inputs, then skips both, then rebuilds only the changed one', async () => {
    const env = registryEnv(registry);
    const first = await runUai(project, ['build', '--json', '--builder', 'docker'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(statuses(first.stdout)).toEqual({ alpha: 'pushed', beta: 'pushed' });
    const { repository, reference } = splitImageRef(project.imageRef(registry.host, 'caffe-alpha:skip'));
    const { config } = await client.imageConfig(repository, reference);
    expect(config.Labels['ai.uai.inputs']).toMatch(/^sha256:[a-f0-9]{64}$/);

    const again = await runUai(project, ['build', '--json', '--builder', 'docker'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(statuses(again.stdout)).toEqual({ alpha: 'skipped', beta: 'skipped' });
    // A skipped model reports the image its tag holds: the one the first run pushed.
    expect(digests(again.stdout)).toEqual(digests(first.stdout));
    expect(digests(again.stdout).alpha).toBe((await client.manifest(repository, reference)).digest);
    expect(builds(again.dockerCalls)).toBe(0);
    expect(again.dockerCalls.filter((call) => / push /.test(call))).toEqual([]);

    // The native builder skips them too: each tag holds an image of the same inputs (its label says
    // so), though Docker built it and no record of ours names it.
    const native = await runUai(project, ['build', '--json', '--builder', 'native'], env);
    expect(native.code, native.stderr).toBe(0);
    expect(statuses(native.stdout)).toEqual({ alpha: 'skipped', beta: 'skipped' });
    expect(digests(native.stdout)).toEqual(digests(first.stdout));

    await appendFile(`${project.dir}/models/beta/mnist_inference.py`, '\n# a one-line change\n');
    const changed = await runUai(project, ['build', '--json', '--builder', 'docker'], env);
    expect(statuses(changed.stdout)).toEqual({ alpha: 'skipped', beta: 'pushed' });
    expect(builds(changed.dockerCalls)).toBe(1);

    const forced = await runUai(project, ['build', '--builder', 'docker', '--force', '--model', 'alpha'], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('upload docker images successful.');
    expect(builds(forced.dockerCalls)).toBe(1);
  });
});
