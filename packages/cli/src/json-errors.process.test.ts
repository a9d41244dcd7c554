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
});
