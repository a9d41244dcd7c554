// `--json` promises exactly one JSON document on stdout, also when the run never starts.
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, runUai, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

describe('uai build --json before anything runs', () => {
  it.each([
    { name: 'an unknown --model', args: ['--model', 'nope'], env: {}, code: 'UAI_USAGE', text: '--model nope: no such model' },
    { name: 'a missing --config', args: ['--config', 'missing.ts'], env: {}, code: 'UAI_CONFIG_NOT_FOUND', text: 'missing.ts does not exist' },
    { name: 'UHUB_USERNAME without UHUB_PASSWORD', args: [], env: { UHUB_PASSWORD: '' }, code: 'UAI_USAGE', text: 'UHUB_PASSWORD is not set' },
  ])('$name: exit 2, one document with the error, nothing run', { timeout: 30_000 }, async ({ args, env, code, text }) => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--json', ...args], env);
    expect(result.code).toBe(2);
    const document = JSON.parse(result.stdout);
    expect(document).toEqual({ models: [], error: { code, message: expect.stringContaining(text) } });
    expect(await dockerCalls(project)).toEqual([]);
  });

  it.each([
    { name: 'a bad --concurrency', args: ['--concurrency', 'abc'], text: 'expected a whole number of 1 or more' },
    { name: 'an unknown option', args: ['--bogus'], text: "unknown option '--bogus'" },
    { name: 'an unknown --builder', args: ['--builder', 'podman'], text: 'podman' },
    { name: 'an --output of no known kind', args: ['--output', 'tar:/tmp/x'], text: 'expected oci:<dir> or docker-archive:<file>' },
    { name: 'a password on the command line', args: ['--password', 'pw-cli-secret-1'], text: 'passwords are never taken on the command line' },
  ])('$name (the command line itself): exit 2, one document with the error', { timeout: 30_000 }, async ({ args, text }) => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--json', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain('pw-cli-secret-1');
    expect(JSON.parse(result.stdout)).toEqual({ models: [], error: { code: 'UAI_USAGE', message: expect.stringContaining(text) } });
    expect(await dockerCalls(project)).toEqual([]);
  });
});
