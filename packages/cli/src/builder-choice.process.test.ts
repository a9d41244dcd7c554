// `--builder auto|docker|native` on the real binary: which builder runs, and what it says about it.
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, runUai, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

describe('choosing the builder', () => {
  it('auto uses Docker when an engine answers, and says so', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--no-push']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/builder: docker \(engine .* answers\)/);
    expect((await dockerCalls(project)).map((call) => call.argv.split(' ')[0])).toEqual(['version', 'login', 'build']);
  });

  it('auto falls back to the native builder when no engine answers, and says why', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    // The native builder then reads the base image from the registry: point it at a closed loopback port.
    const result = await runUai(project, ['build'], { FAKE_VERSION: 'down', UAI_REGISTRY_HOST: '127.0.0.1:9' });
    expect(result.stderr).toMatch(/builder: native \(no Docker engine: .*Cannot connect to the Docker daemon/);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('127.0.0.1:9');
  });

  it('with no engine, --no-push without --output is a usage error: the image would be stored nowhere', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--no-push'], { FAKE_VERSION: 'down', UAI_REGISTRY_HOST: '127.0.0.1:9' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No Docker engine answers');
    expect(result.stderr).toContain('add --output docker-archive:<file>');
  });

  it('auto picks the native builder when --output asks for a file', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--no-push', '--output', 'oci:out/{model}'], { UAI_REGISTRY_HOST: '127.0.0.1:9' });
    expect(result.stderr).toMatch(/builder: native \(--output oci is written natively\)/);
    expect(await dockerCalls(project)).toEqual([]);
  });

  it('--builder docker with --output is a usage error (exit 2): only the native builder writes files', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--builder', 'docker', '--output', 'oci:out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--output oci:out needs the native builder');
    expect(await dockerCalls(project)).toEqual([]);
  });

  it('an unknown --builder is a usage error (exit 2)', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--builder', 'kaniko']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Allowed choices are auto, docker, native/);
  });
});
