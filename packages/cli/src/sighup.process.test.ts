// SIGHUP (the terminal closed, an ssh session dropped) on the real `uai` binary mid-build: handled like
// Ctrl-C and SIGTERM (interrupt.ts) — the run stops, every docker child is stopped, the temporary
// DOCKER_CONFIG holding the login is removed, and uai exits 130. Without the handler Node dies of the
// signal at once: no exit 130, the children (each in its own process group) keep running, and the
// temporary config with the credentials stays in TMPDIR.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, dockerPids, hangingPids, isAlive, jsonModels, startUai, waitFor, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  for (const pid of project ? await dockerPids(project) : []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await project?.remove();
  project = undefined;
});

describe('SIGHUP during a build', () => {
  it('stops the docker children, removes the temporary Docker config and exits 130', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha', 'beta'], concurrency: 2 });
    const running = startUai(project, ['build', '--json'], { FAKE_BUILD_alpha: 'sleep', FAKE_BUILD_beta: 'sleep' });
    await waitFor('2 hanging docker builds', async () => ((await hangingPids(project!)).length >= 2 ? true : undefined));

    // The login's temporary config is there, under uai's TMPDIR, while the builds hang.
    const configs = [...new Set((await dockerCalls(project)).map((call) => call.config).filter((dir) => dir !== 'none'))];
    expect(configs).toHaveLength(1);
    expect(path.dirname(configs[0]!)).toBe(project.tmp);
    expect(path.basename(configs[0]!)).toMatch(/^uai-docker-/);
    expect((await stat(configs[0]!)).isDirectory()).toBe(true);
    const pids = await dockerPids(project);
    expect(pids.filter(isAlive).length).toBeGreaterThanOrEqual(4); // two `docker build` scripts and their `sleep`s

    running.child.kill('SIGHUP');
    const exit = await running.exited;

    // Soft: a missing handler shows every consequence at once (status, children, the config left behind).
    expect.soft({ code: exit.code, signal: exit.signal }, running.stderr()).toEqual({ code: 130, signal: null });
    expect.soft(running.stderr()).toMatch(/interrupted/i);
    expect.soft(pids.filter(isAlive)).toEqual([]);
    expect.soft((await readdir(project.tmp)).filter((name) => name.startsWith('uai-docker-'))).toEqual([]);
    const models = jsonModels(running.stdout());
    expect(models.alpha).toMatchObject({ status: 'cancelled', error: { code: 'UAI_CANCELLED' } });
    expect(models.beta).toMatchObject({ status: 'cancelled', error: { code: 'UAI_CANCELLED' } });
  });
});
