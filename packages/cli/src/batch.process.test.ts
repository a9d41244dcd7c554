// Many models, one failing, on the real `uai` binary: by default the others run to the end and the
// summary says what succeeded, failed and never started; with --fail-fast the others are stopped
// (their docker children gone) and reported as cancelled.
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, dockerPids, hangingPids, isAlive, jsonModels, leftovers, runUai, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  for (const pid of project ? await dockerPids(project) : []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await project?.remove();
  project = undefined;
});

const copyFailed = 'fail:COPY failed: file not found in build context or excluded by .dockerignore: stat code/x: file does not exist';

describe('without --fail-fast', () => {
  it('a failing model does not stop the others; exit 1 and a summary of each', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha', 'beta', 'gamma'], concurrency: 1 });
    const result = await runUai(project, ['build'], { FAKE_BUILD_alpha: copyFailed });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('upload docker images successful. images:127.0.0.1:9/ns/beta:v1');
    expect(result.stdout).toContain('upload docker images successful. images:127.0.0.1:9/ns/gamma:v1');
    expect(result.stdout).not.toContain('images:127.0.0.1:9/ns/alpha:v1');
    expect(result.stdout).toMatch(/alpha\s+failed .*\n\s+build: docker build failed:\n[\s\S]*COPY failed/);
    expect(result.stdout).toMatch(/\n2 pushed, 1 failed\n$/);
    expect((await dockerCalls(project)).filter((call) => call.argv.startsWith('push ')).map((call) => call.argv)).toEqual([
      'push 127.0.0.1:9/ns/beta:v1',
      'push 127.0.0.1:9/ns/gamma:v1',
    ]);
  });
});

describe('--fail-fast', () => {
  const env = { FAKE_BUILD_alpha: 'sleep', FAKE_BUILD_beta: `fail-after-child:${copyFailed.slice(5)}` };

  it('stops the running model (its children gone) and starts no other; --json says cancelled', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha', 'beta', 'gamma'], concurrency: 2 });
    const result = await runUai(project, ['build', '--fail-fast', '--json'], env);
    expect(result.code, result.stderr).toBe(1);
    expect(result.durationMs).toBeLessThan(20_000); // the hanging child sleeps 60 s: well under means it was stopped
    const models = jsonModels(result.stdout);
    expect(models.beta).toMatchObject({ status: 'failed', error: { step: 'build', code: 'UAI_BUILD_FAILED' } });
    expect(models.alpha).toMatchObject({
      status: 'cancelled',
      digest: null,
      error: { step: 'build', code: 'UAI_CANCELLED', message: 'stopped: beta failed (--fail-fast)' },
    });
    expect(models.gamma).toMatchObject({
      status: 'cancelled',
      error: { step: 'queued', code: 'UAI_CANCELLED', message: 'not started: beta failed (--fail-fast)' },
    });
    const hanging = await hangingPids(project);
    expect(hanging).toHaveLength(1);
    expect((await dockerPids(project)).filter(isAlive)).toEqual([]);
    expect((await dockerCalls(project)).some((call) => call.argv.includes('ai.uai.model=gamma'))).toBe(false);
    expect(await leftovers(project)).toEqual([]);
  });

  it('prints them as cancelled in the summary, with what was not started', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha', 'beta', 'gamma'], concurrency: 2 });
    const result = await runUai(project, ['build', '--fail-fast'], env);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/alpha\s+cancelled .*\n\s+build: stopped: beta failed \(--fail-fast\)/);
    expect(result.stdout).toMatch(/gamma\s+cancelled .*\n\s+queued: not started: beta failed \(--fail-fast\)/);
    expect(result.stdout).toMatch(/\n1 failed, 2 cancelled \(1 not started\)\n$/);
  });
});
