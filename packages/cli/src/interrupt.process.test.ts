// Ctrl-C and SIGTERM on the real `uai` binary during a parallel build: every child process stops (its
// pid is gone), temporary files are removed, the exit status is 130, and it all takes seconds at most.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import net, { type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, dockerPids, hangingPids, isAlive, jsonModels, leftovers, startUai, waitFor, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  for (const pid of project ? await dockerPids(project) : []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await project?.remove();
  project = undefined;
});

/** A hash of every path and file under `dir`: the user's tree must be the same after an interrupted build. */
async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of (await readdir(dir, { recursive: true })).sort()) {
    const file = path.join(dir, entry);
    hash.update(entry);
    if ((await stat(file)).isFile()) hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

/** Starts uai and waits until `count` docker calls hang in their child `sleep`. */
async function startHanging(args: string[], env: Record<string, string>, count: number) {
  const running = startUai(project!, args, env);
  await waitFor(`${count} hanging docker calls`, async () => ((await hangingPids(project!)).length >= count ? true : undefined));
  return running;
}

/** The temporary DOCKER_CONFIG the docker calls ran with. */
async function temporaryConfig(): Promise<string> {
  const configs = [...new Set((await dockerCalls(project!)).map((call) => call.config).filter((dir) => dir !== 'none'))];
  expect(configs).toHaveLength(1);
  return configs[0];
}

describe.each([
  { signal: 'SIGINT' as const, json: false },
  { signal: 'SIGTERM' as const, json: true },
])('$signal during a parallel build', ({ signal, json }) => {
  it('stops every docker child within seconds, removes the temporary files and exits 130', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha', 'beta', 'gamma'], concurrency: 2 });
    const sourceBefore = await treeHash(path.join(project.dir, 'models'));
    const running = await startHanging(['build', ...(json ? ['--json'] : [])], { FAKE_BUILD_alpha: 'sleep', FAKE_BUILD_beta: 'sleep' }, 2);
    const config = await temporaryConfig();
    expect((await stat(config)).isDirectory()).toBe(true);
    const pids = await dockerPids(project);
    expect(pids.filter(isAlive).length).toBeGreaterThanOrEqual(4);

    const sent = Date.now();
    running.child.kill(signal);
    const exit = await running.exited;
    const tookMs = exit.at - sent;

    expect(exit.code, running.stderr()).toBe(130);
    expect(await treeHash(path.join(project.dir, 'models'))).toBe(sourceBefore);
    expect(tookMs).toBeLessThan(10_000); // "within a few seconds", with room for a loaded CI machine; the children sleep 60 s
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await leftovers(project)).toEqual([]);
    expect(running.stderr()).toMatch(/interrupted/i);
    if (json) {
      const models = jsonModels(running.stdout());
      expect(models.alpha).toMatchObject({ status: 'cancelled', error: { step: 'build', code: 'UAI_CANCELLED' } });
      expect(models.beta).toMatchObject({ status: 'cancelled', error: { step: 'build', code: 'UAI_CANCELLED' } });
      expect(models.gamma).toMatchObject({ status: 'cancelled', error: { code: 'UAI_CANCELLED' } });
      expect(models.gamma.error!.message).toMatch(/not started/);
    } else {
      expect(running.stdout()).toMatch(/alpha\s+cancelled/);
      expect(running.stdout()).toMatch(/3 cancelled \(1 not started\)/);
    }
    console.info(`${signal}: exit ${exit.code} ${tookMs} ms after the signal`);
  });
});

describe('a docker child that ignores SIGTERM', () => {
  it('is killed (SIGKILL to its process group) a few seconds after the first Ctrl-C', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const running = await startHanging(['build'], { FAKE_BUILD_alpha: 'stubborn' }, 1);
    const pids = await dockerPids(project);
    const sent = Date.now();
    running.child.kill('SIGINT');
    const exit = await running.exited;
    const tookMs = exit.at - sent;
    expect(exit.code, running.stderr()).toBe(130);
    expect(tookMs).toBeGreaterThanOrEqual(2_000);
    expect(tookMs).toBeLessThan(15_000); // SIGKILL after the 3 s grace, not the 60 s sleep
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await leftovers(project)).toEqual([]);
    console.info(`SIGTERM ignored: exit ${exit.code} ${tookMs} ms after SIGINT`);
  });

  it('a second Ctrl-C exits at once, still killing the children and removing the Docker config', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha', 'beta'], concurrency: 2 });
    const running = await startHanging(['build'], { FAKE_BUILD_alpha: 'stubborn', FAKE_BUILD_beta: 'stubborn' }, 2);
    const pids = await dockerPids(project);
    running.child.kill('SIGINT');
    await waitFor('the first Ctrl-C to be seen', () => (/interrupted/i.test(running.stderr()) ? true : undefined));
    const sent = Date.now();
    running.child.kill('SIGINT');
    const exit = await running.exited;
    const tookMs = exit.at - sent;
    expect(exit.code).toBe(130);
    expect(tookMs).toBeLessThan(5_000); // at once: no waiting for the grace period
    await waitFor('the killed children to be reaped', () => (pids.filter(isAlive).length === 0 ? true : undefined), 2_000);
    expect(await leftovers(project)).toEqual([]);
    console.info(`second Ctrl-C: exit ${exit.code} ${tookMs} ms after it`);
  });
});

describe('Ctrl-C at other moments', () => {
  it('during docker login: the models are cancelled, not failed, and the Docker config is removed', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const running = await startHanging(['build', '--json'], { FAKE_LOGIN: 'sleep' }, 1);
    const pids = await dockerPids(project);
    running.child.kill('SIGINT');
    const exit = await running.exited;
    expect(exit.code, running.stderr()).toBe(130);
    expect(jsonModels(running.stdout()).alpha).toMatchObject({ status: 'cancelled', error: { code: 'UAI_CANCELLED' } });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await leftovers(project)).toEqual([]);
  });

  it('two Ctrl-C while a big folder is being assembled: no .uai/build/<model>.tmp-* is left', { timeout: 60_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    // Many small files make assembling take a second or more, long enough to interrupt it.
    const many = path.join(project.dir, 'models/alpha/many');
    execFileSync('sh', ['-c', `mkdir -p "${many}" && cd "${many}" && seq 1 20000 | xargs touch`]);
    const running = startUai(project, ['build']);
    const build = path.join(project.dir, '.uai/build');
    const assembling = async () => (await readdir(build).catch(() => [])).some((name) => name.includes('.tmp-'));
    await waitFor('assembling to start', async () => ((await assembling()) ? true : undefined));
    running.child.kill('SIGINT');
    await waitFor('the first Ctrl-C to be seen', () => (/interrupted/i.test(running.stderr()) ? true : undefined));
    expect(await assembling(), 'still assembling at the second Ctrl-C').toBe(true);
    running.child.kill('SIGINT');
    const exit = await running.exited;
    expect(exit.code).toBe(130);
    expect((await dockerCalls(project)).map((call) => call.argv.split(' ')[0])).not.toContain('build');
    expect(await leftovers(project)).toEqual([]);
  });
});

describe('Ctrl-C while the registry does not answer', () => {
  // A port that takes connections and never says a word: the https probe's TLS handshake hangs there.
  // The test's own timeout is below undici's 10 s connect timeout, which alone would end such a run.
  it('exits 130 without waiting for the connections still being opened', { timeout: 8_000 }, async () => {
    const sockets: Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      project = await createProject({ models: ['alpha'] });
      const host = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const running = startUai(project, ['build', '--builder', 'native'], { UAI_REGISTRY_HOST: host });
      await waitFor('the login under way', async () => (sockets.length > 0 ? true : undefined));
      running.child.kill('SIGINT');
      const exit = await running.exited;
      expect({ code: exit.code, signal: exit.signal }, running.stderr()).toEqual({ code: 130, signal: null });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
