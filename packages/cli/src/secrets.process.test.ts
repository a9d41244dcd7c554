// The registry password (and the API keys `uai packdocker` accepts) on the real `uai` binary: it
// reaches `docker login` on stdin only; whatever a child prints, uai's output, --json and errors show
// *** instead; and the temporary DOCKER_CONFIG is gone after every kind of run.
import { readFile, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, jsonModels, leftovers, password, runUai, username, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

function everything(result: { stdout: string; stderr: string }): string {
  return `${result.stdout}\n${result.stderr}`;
}

const basicAuth = Buffer.from(`${username}:${password}`).toString('base64');

describe('the password', () => {
  it('reaches docker login on stdin only; no docker child has it in argv or environment', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build']);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(`${project.state}/login-stdin`, 'utf8')).toBe(password);
    const calls = await dockerCalls(project);
    expect(calls.map((call) => call.argv.split(' ')[0])).toEqual(['version', 'login', 'build', 'push']);
    expect(calls.find((call) => call.argv.startsWith('login'))!.argv).toBe(`login --username ${username} --password-stdin 127.0.0.1:9`);
    for (const call of calls) expect(call.argv).not.toContain(password);
    const log = await readFile(project.log, 'utf8');
    expect(log.match(/^has-password .*/gm)).toEqual(['has-password no', 'has-password no', 'has-password no', 'has-password no']);
    expect(everything(result)).not.toContain(password);
  });

  it('lives in a DOCKER_CONFIG of mode 0700 under TMPDIR while docker runs, removed at the end', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build']);
    expect(result.code, result.stderr).toBe(0);
    const configs = [...new Set((await dockerCalls(project)).map((call) => call.config).filter((dir) => dir !== 'none'))];
    expect(configs).toHaveLength(1);
    expect(configs[0].startsWith(`${project.tmp}/uai-docker-`)).toBe(true);
    expect(await readFile(project.log, 'utf8')).toContain('config-mode 700');
    await expect(stat(configs[0])).rejects.toThrow(/ENOENT/);
  });

  it.each([
    { name: 'docker login', env: { FAKE_LOGIN: 'echo' }, step: 'login' },
    {
      name: 'docker build',
      env: { FAKE_BUILD_alpha: `fail:unauthorized: password ${password} for ${username} (Authorization: Basic ${basicAuth})` },
      step: 'build',
    },
    { name: 'docker push', env: { FAKE_PUSH_alpha: `fail:denied: ${password}` }, step: 'push' },
  ])('printed by a failing $name is *** in the output, --json and the summary', { timeout: 30_000 }, async ({ env, step }) => {
    project = await createProject({ models: ['alpha'] });
    for (const json of [false, true]) {
      const result = await runUai(project, ['build', ...(json ? ['--json'] : [])], env);
      expect(result.code, result.stderr).toBe(1);
      expect(everything(result)).not.toContain(password);
      expect(everything(result)).not.toContain(basicAuth);
      expect(everything(result)).toContain('***');
      if (json) expect(jsonModels(result.stdout).alpha).toMatchObject({ status: 'failed', error: { step } });
      expect(await leftovers(project)).toEqual([]);
    }
  });

  it('given to uai build --password is refused (exit 2) without echoing it', async () => {
    project = await createProject({ models: ['alpha'] });
    for (const args of [['--password', 'hunter2-on-argv'], ['--password=hunter2-on-argv']]) {
      const result = await runUai(project, ['build', ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('set UHUB_PASSWORD');
      expect(everything(result)).not.toContain('hunter2-on-argv');
      expect(await dockerCalls(project)).toEqual([]);
    }
  });
});

describe('temporary DOCKER_CONFIG', () => {
  it.each([
    { name: 'success', env: {}, code: 0 },
    { name: 'a failed build', env: { FAKE_BUILD_alpha: 'fail:boom' }, code: 1 },
    { name: 'a failed push', env: { FAKE_PUSH_alpha: 'fail:denied: requested access to the resource is denied' }, code: 1 },
    { name: 'a failed login', env: { FAKE_LOGIN: 'echo' }, code: 1 },
    { name: 'a stopped engine', env: { FAKE_VERSION: 'down' }, code: 1 },
  ])('is removed after $name', { timeout: 30_000 }, async ({ env, code }) => {
    project = await createProject({ models: ['alpha'] });
    // --builder docker: with the engine down, auto would pick the native builder (no temp config at all).
    const result = await runUai(project, ['build', '--builder', 'docker'], env);
    expect(result.code, result.stderr).toBe(code);
    expect(await leftovers(project)).toEqual([]);
  });
});

describe('uai packdocker', () => {
  const key = 'PUBLIC-key-0123456789';
  const secretKey = 'PRIVATE-key-9876543210';
  const flagPassword = 'flag-Pa55word';
  const flags = [
    '--pack_file_path',
    'models/alpha',
    '--main_module',
    'mnist_inference',
    '--main_class',
    'MnistModel',
    '--model_dir',
    'checkpoint_dir',
    '--model_name',
    'mnist_model',
    '--ai_arch_v',
    'caffe-1.0.0',
    '--uhub_registry',
    'ns',
    '--uhub_imagename',
    'alpha:v1',
    '--uhub_username',
    username,
    '--uhub_password',
    flagPassword,
    '--public_key',
    key,
    '--private_key',
    secretKey,
  ];

  it('masks --public_key, --private_key and --uhub_password in what docker prints, and passes none of them on', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const env = { UHUB_PASSWORD: undefined, UHUB_USERNAME: undefined, FAKE_BUILD_alpha: `fail:leaked ${key} ${secretKey} ${flagPassword}` };
    for (const json of [false, true]) {
      const result = await runUai(project, ['packdocker', 'caffe', ...flags, ...(json ? ['--json'] : [])], env);
      expect(result.code, result.stderr).toBe(1);
      for (const secret of [key, secretKey, flagPassword]) expect(everything(result)).not.toContain(secret);
      expect(everything(result)).toContain('leaked *** *** ***');
    }
    expect(await readFile(`${project.state}/login-stdin`, 'utf8')).toBe(flagPassword);
    for (const call of await dockerCalls(project)) for (const secret of [key, secretKey, flagPassword]) expect(call.argv).not.toContain(secret);
    expect(await readFile(project.log, 'utf8')).not.toContain('has-password yes');
    expect(await leftovers(project)).toEqual([]);
  });

  it('masks them in a usage error, even when the framework is missing', async () => {
    project = await createProject({ models: ['alpha'] });
    const keyFirst = ['--private_key', secretKey, '--public_key', key, ...flags.slice(0, -4)];
    for (const args of [keyFirst, flags, ['caffe', ...flags, 'extra']]) {
      const result = await runUai(project, ['packdocker', ...args]);
      expect(result.code).toBe(2);
      for (const secret of [key, secretKey, flagPassword]) expect(everything(result)).not.toContain(secret);
    }
  });
});
