// Faults of the Docker path on the real `uai` binary: the engine down, docker not installed, a full
// disk, a registry in passing trouble (retried with backoff) or saying no (not retried), a failed push
// never reported as pushed, and a failing build told apart from a failing pull of its base image.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, jsonModels, leftovers, registryHost, runUai, startUai, waitFor, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

const base = `${registryHost}/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`;

async function calls(command: string): Promise<string[]> {
  return (await dockerCalls(project!)).map((call) => call.argv).filter((argv) => argv.startsWith(`${command} `));
}

describe('the Docker engine and CLI', () => {
  it('engine not running: every model fails at step engine, saying to start the daemon', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha', 'beta'] });
    const result = await runUai(project, ['build', '--json', '--builder', 'docker'], { FAKE_VERSION: 'down' });
    expect(result.code, result.stderr).toBe(1);
    for (const model of Object.values(jsonModels(result.stdout))) {
      expect(model).toMatchObject({ status: 'failed', error: { step: 'engine', code: 'UAI_ENGINE_UNAVAILABLE' } });
      expect(model.error!.message).toContain('Cannot connect to the Docker daemon');
      expect(model.error!.message).toContain('Start the Docker daemon');
    }
    expect(result.stderr).toMatch(/engine: No Docker engine answers/);
    expect((await dockerCalls(project)).map((call) => call.argv.split(' ')[0])).toEqual(['version']);

    const plain = await runUai(project, ['build', '--builder', 'docker'], { FAKE_VERSION: 'down' });
    expect(plain.stdout).toMatch(/alpha\s+failed .*\n\s+engine: No Docker engine answers/);
    expect(plain.stdout).toMatch(/beta\s+failed .*\n\s+engine: No Docker engine answers/);
  });

  it('docker not installed: step engine, saying to install Docker', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'], docker: false });
    const result = await runUai(project, ['build', '--json', '--builder', 'docker'], { PATH: project.binDir });
    expect(result.code, result.stderr).toBe(1);
    const { alpha } = jsonModels(result.stdout);
    expect(alpha).toMatchObject({ status: 'failed', error: { step: 'engine', code: 'UAI_DOCKER_NOT_INSTALLED' } });
    expect(alpha.error!.message).toMatch(/docker command was not found.*Install Docker/);
  });
});

/** A tmpfs of 256 KiB, filled up; undefined when this machine cannot mount one (not root). */
function fullTmpfs(): { dir: string; unmount: () => void } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function fill(dir: string): void {
  execFileSync('sh', ['-c', `cat /dev/zero > "${dir}/filler" 2>/dev/null || true`]);
}

const canMount = (() => {
  const probe = fullTmpfs();
  probe?.unmount();
  return probe !== undefined;
})();

describe.skipIf(!canMount)('a full disk (a small tmpfs: needs root)', () => {
  it('under .uai/: the model fails at assemble, naming it and the fix; no half folder is left', { timeout: 30_000 }, async () => {
    const disk = fullTmpfs()!;
    try {
      project = await createProject({ models: ['alpha'], parent: disk.dir });
      fill(disk.dir);
      const result = await runUai(project, ['build', '--json']);
      expect(result.code, result.stderr).toBe(1);
      const { alpha } = jsonModels(result.stdout);
      expect(alpha).toMatchObject({ status: 'failed', error: { step: 'assemble', code: 'UAI_DISK_FULL' } });
      expect(alpha.error!.message).toMatch(/^No space left on the disk while writing .*\.uai\/build\/alpha for model alpha\. Free some space/);
      expect(await calls('build')).toEqual([]);
      expect(await leftovers(project)).toEqual([]);
      expect(readdirSync(path.join(project.dir, '.uai/build'))).toEqual([]);
    } finally {
      await project?.remove();
      project = undefined;
      disk.unmount();
    }
  });

  it('in TMPDIR: fails at login naming TMPDIR and the fix, leaving no Docker config', { timeout: 30_000 }, async () => {
    const disk = fullTmpfs()!;
    try {
      project = await createProject({ models: ['alpha'] });
      fill(disk.dir);
      const result = await runUai(project, ['build', '--json'], { TMPDIR: disk.dir });
      expect(result.code, result.stderr).toBe(1);
      const { alpha } = jsonModels(result.stdout);
      expect(alpha).toMatchObject({ status: 'failed', error: { step: 'login', code: 'UAI_DISK_FULL' } });
      expect(alpha.error!.message).toContain(`No space left in ${disk.dir} for the temporary Docker config`);
      expect(alpha.error!.message).toContain('set TMPDIR');
      expect(await readdir(disk.dir)).toEqual(['filler']);
      expect(await calls('login')).toEqual([]);
    } finally {
      disk.unmount();
    }
  });
});

describe('docker push retries', () => {
  const status503 = 'received unexpected HTTP status: 503 Service Unavailable';
  it.each([
    { name: '503 twice', behaviour: `flaky:2:${status503}`, pushes: 3 },
    { name: '502 once', behaviour: 'flaky:1:received unexpected HTTP status: 502 Bad Gateway', pushes: 2 },
    { name: '429 once', behaviour: 'flaky:1:toomanyrequests: too many requests', pushes: 2 },
    {
      name: 'a reset connection once',
      behaviour: `flaky:1:Put "https://${registryHost}/v2/ns/alpha/blobs/uploads/1": write tcp 10.0.0.2:51234->10.0.0.9:5000: write: connection reset by peer`,
      pushes: 2,
    },
  ])('$name: retried, then pushed with its digest', { timeout: 30_000 }, async ({ behaviour, pushes }) => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--json'], { FAKE_PUSH_alpha: behaviour });
    expect(result.code, result.stderr).toBe(0);
    expect(jsonModels(result.stdout).alpha).toMatchObject({ status: 'pushed', digest: expect.stringMatching(/^sha256:/) });
    expect(await calls('push')).toHaveLength(pushes);
    expect(result.stderr).toMatch(/trying again in \d+ ms \(2 of 3\)/);
  });

  it.each([
    { name: 'denied', message: 'denied: requested access to the resource is denied', code: 'UAI_AUTH_FAILED' },
    { name: 'unauthorized', message: 'unauthorized: authentication required', code: 'UAI_AUTH_FAILED' },
    { name: 'a 404', message: 'received unexpected HTTP status: 404 Not Found', code: 'UAI_PUSH_FAILED' },
    { name: 'a 400', message: 'manifest invalid: manifest invalid', code: 'UAI_PUSH_FAILED' },
    {
      name: 'connection refused',
      message: `Get "https://${registryHost}/v2/": dial tcp 10.0.0.9:5000: connect: connection refused`,
      code: 'UAI_REGISTRY_UNREACHABLE',
    },
  ])('$name: not retried, failed at once', { timeout: 30_000 }, async ({ message, code }) => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--json'], { FAKE_PUSH_alpha: `fail:${message}` });
    expect(result.code, result.stderr).toBe(1);
    expect(jsonModels(result.stdout).alpha).toMatchObject({ status: 'failed', digest: null, error: { step: 'push', code } });
    expect(await calls('push')).toHaveLength(1);
  });

  it('a push that keeps failing: 3 tries, then failed, never reported as pushed', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const env = { FAKE_PUSH_alpha: `fail:${status503}` };
    const json = await runUai(project, ['build', '--json'], env);
    expect(json.code, json.stderr).toBe(1);
    const { alpha } = jsonModels(json.stdout);
    expect(alpha).toMatchObject({ status: 'failed', digest: null, error: { step: 'push', code: 'UAI_PUSH_FAILED' } });
    expect(alpha.error!.message).toContain(`${status503} (tried 3 times)`);
    expect(await calls('push')).toHaveLength(3);
    const plain = await runUai(project, ['build'], env);
    expect(plain.stdout).not.toContain('upload docker images successful');
    expect(plain.stdout).toMatch(/alpha\s+failed /);
    expect(plain.stdout).toMatch(/\n1 failed\n$/);
  });

  it('waits longer each time (UAI_RETRY_DELAY_MS), and UAI_PUSH_RETRIES=0 does not retry', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const slow = await runUai(project, ['build'], { FAKE_PUSH_alpha: `flaky:2:${status503}`, UAI_RETRY_DELAY_MS: '300' });
    expect(slow.code, slow.stderr).toBe(0);
    // 300 ms, then 600 ms, each with up to half again at random.
    expect(slow.durationMs).toBeGreaterThanOrEqual(900);
    expect(slow.stderr).toMatch(/trying again in (3\d\d|4[0-5]\d) ms \(2 of 3\)/);
    expect(slow.stderr).toMatch(/trying again in (6\d\d|[78]\d\d|900) ms \(3 of 3\)/);

    const once = await runUai(project, ['build'], { FAKE_PUSH_alpha: `fail:${status503}`, UAI_PUSH_RETRIES: '0' });
    expect(once.code).toBe(1);
    expect((await calls('push')).length).toBe(3 + 1);
  });

  it('Ctrl-C during the wait between tries exits at once', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const running = startUai(project, ['build', '--json'], { FAKE_PUSH_alpha: `fail:${status503}`, UAI_RETRY_DELAY_MS: '20000' });
    await waitFor('the first retry wait', () => (/trying again/.test(running.stderr()) ? true : undefined));
    const sent = Date.now();
    running.child.kill('SIGINT');
    const exit = await running.exited;
    expect(exit.code).toBe(130);
    expect(exit.at - sent).toBeLessThan(8_000); // not the whole backoff: the wait stopped at once
    expect(jsonModels(running.stdout()).alpha).toMatchObject({ status: 'cancelled', error: { step: 'push', code: 'UAI_CANCELLED' } });
    expect(await leftovers(project)).toEqual([]);
  });

  it('a retry setting that is not a number is a usage error (exit 2)', async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build'], { UAI_PUSH_RETRIES: 'many' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('UAI_PUSH_RETRIES="many" is not a whole number');
  });
});

describe('a failing docker build', () => {
  const copyFailed = 'COPY failed: file not found in build context or excluded by .dockerignore: stat code/x: file does not exist';
  it.each([
    { name: 'a COPY of a missing file (legacy builder)', output: copyFailed, code: 'UAI_BUILD_FAILED', says: 'docker build failed:' },
    {
      name: 'a COPY of a missing file (BuildKit)',
      output: 'ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref 4b1c::q2: "/code/x": not found',
      code: 'UAI_BUILD_FAILED',
      says: 'docker build failed:',
    },
    {
      name: 'a RUN that cannot reach the registry, after FROM succeeded',
      output: ` ---> 7859d1e81117\\nStep 2/4 : RUN wget https://${registryHost}/x\\nwget: can't connect to remote host (10.0.0.9): Connection refused\\nThe command '/bin/sh -c wget https://${registryHost}/x' returned a non-zero code: 1`,
      code: 'UAI_BUILD_FAILED',
      says: 'docker build failed:',
    },
    {
      name: 'a base image the registry does not hold',
      output: 'manifest for {base} not found: manifest unknown: manifest unknown',
      code: 'UAI_BUILD_FAILED',
      says: `Pulling the base image ${base} failed`,
    },
    {
      name: 'a base image behind a login',
      output: `Head "https://${registryHost}/v2/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0/manifests/v1.2": no basic auth credentials`,
      code: 'UAI_AUTH_FAILED',
      says: `Authentication to the base image ${base} failed. Check UHUB_USERNAME and UHUB_PASSWORD (or run docker login ${registryHost}).`,
    },
    {
      name: 'a registry that refuses connections',
      output: `Get "https://${registryHost}/v2/": dial tcp 10.0.0.9:5000: connect: connection refused`,
      code: 'UAI_REGISTRY_UNREACHABLE',
      says: `Cannot reach the base image ${base}`,
    },
    {
      name: 'an engine out of disk space',
      output: 'failed to register layer: Error processing tar file(exit status 1): write /usr/lib/x.so: no space left on device',
      code: 'UAI_DISK_FULL',
      says: 'The Docker engine ran out of disk space building',
    },
  ])('$name: $code', { timeout: 30_000 }, async ({ output, code, says }) => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, ['build', '--json'], { FAKE_BUILD_alpha: `fail:${output}` });
    expect(result.code, result.stderr).toBe(1);
    const { alpha } = jsonModels(result.stdout);
    expect(alpha).toMatchObject({ status: 'failed', error: { step: 'build', code } });
    expect(alpha.error!.message.startsWith(says), alpha.error!.message).toBe(true);
  });
});
