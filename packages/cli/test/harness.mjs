// @ts-check
// Runs the real `uai` binary (packages/cli/dist/bin.js) in a temp project, with a fake `docker` first
// on PATH (fixtures/fake-docker/docker) that logs every call and sleeps, fails or succeeds as the test
// says. Real processes, real signals: nothing of uai is mocked. Types: harness.d.mts (this file sits
// outside the package's rootDir, so the tests import it as JavaScript).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const uaiBin = path.join(repoRoot, 'packages/cli/dist/bin.js');
const fakeDocker = path.join(here, 'fixtures/fake-docker/docker');
const exampleCode = path.join(repoRoot, 'examples/caffe-mnist/code');

// A closed loopback port: the fake docker never connects, and what uai itself may try (the native
// builder's skip-unchanged probe) is refused at once, on this machine.
export const registryHost = '127.0.0.1:9';
export const password = 'pa55-w0rd-Secret';
export const username = 'tester';

/** @param {import('./harness.d.mts').ProjectOptions} options */
export async function createProject(options) {
  const dir = await mkdtemp(path.join(options.parent ?? os.tmpdir(), 'uai-cli-test-'));
  // On a small disk only the project lives there; what the test itself writes goes elsewhere.
  const scratch = options.parent ? await mkdtemp(path.join(os.tmpdir(), 'uai-cli-scratch-')) : dir;
  /** @type {import('./harness.d.mts').Project} */
  const project = {
    dir,
    home: path.join(scratch, 'home'),
    tmp: path.join(scratch, 'tmp'),
    state: path.join(scratch, 'state'),
    binDir: path.join(scratch, 'bin'),
    log: path.join(scratch, 'docker.log'),
    imageRef: (model) => `${registryHost}/ns/${model}:v1`,
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      if (scratch !== dir) await rm(scratch, { recursive: true, force: true });
    },
  };
  for (const folder of [project.home, project.tmp, project.state, project.binDir]) await mkdir(folder, { recursive: true });
  if (options.docker !== false) await symlink(fakeDocker, path.join(project.binDir, 'docker'));
  await writeFile(project.log, '');
  for (const name of options.models) await cp(exampleCode, path.join(dir, 'models', name), { recursive: true });
  const config = {
    registry: { namespace: 'ns' },
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    models: options.models.map((name) => ({
      name,
      framework: 'caffe',
      aiArchV: 'caffe-1.0.0',
      packFilePath: `./models/${name}`,
      mainModule: 'mnist_inference',
      mainClass: 'MnistModel',
      modelDir: 'checkpoint_dir',
      modelName: 'mnist_model',
      image: `${name}:v1`,
    })),
  };
  await writeFile(path.join(dir, 'uai.config.json'), JSON.stringify(config, null, 2));
  return project;
}

/**
 * uai's environment: the fake docker first on PATH, HOME and TMPDIR of the project, credentials set,
 * short retry waits. A key of `extra` set to undefined is left out.
 * @param {import('./harness.d.mts').Project} project
 * @param {Record<string, string | undefined>} [extra]
 * @returns {NodeJS.ProcessEnv}
 */
export function uaiEnv(project, extra = {}) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|DOCKER_|FAKE_|XDG_)/.test(key)));
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...inherited,
    PATH: `${project.binDir}:/usr/bin:/bin`,
    HOME: project.home,
    TMPDIR: project.tmp,
    CI: 'true',
    UAI_REGISTRY_HOST: registryHost,
    UHUB_USERNAME: username,
    UHUB_PASSWORD: password,
    UAI_RETRY_DELAY_MS: '10',
    FAKE_DOCKER_LOG: project.log,
    FAKE_DOCKER_STATE: project.state,
    ...extra,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/**
 * @param {import('./harness.d.mts').Project} project
 * @param {string[]} args
 * @param {Record<string, string | undefined>} [env]
 * @param {string} [cwd]
 * @returns {import('./harness.d.mts').RunningUai}
 */
export function startUai(project, args, env = {}, cwd = project.dir) {
  const child = spawn(process.execPath, [uaiBin, ...args], { cwd, env: uaiEnv(project, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  /** @type {Promise<import('./harness.d.mts').Exit>} */
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * Runs uai to the end (killed after 30 s, so a hang fails the test instead of stalling it).
 * @param {import('./harness.d.mts').Project} project
 * @param {string[]} args
 * @param {Record<string, string | undefined>} [env]
 * @param {string} [cwd]
 * @returns {Promise<import('./harness.d.mts').UaiResult>}
 */
export async function runUai(project, args, env = {}, cwd) {
  const started = Date.now();
  const running = startUai(project, args, env, cwd);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 30_000);
  const exit = await running.exited;
  clearTimeout(timer);
  return { code: exit.code, stdout: running.stdout(), stderr: running.stderr(), durationMs: exit.at - started };
}

/** @param {import('./harness.d.mts').Project} project */
async function logLines(project) {
  return (await readFile(project.log, 'utf8')).split('\n');
}

/** @param {import('./harness.d.mts').Project} project */
export async function dockerCalls(project) {
  return (await logLines(project))
    .filter((line) => line.startsWith('call '))
    .map((line) => {
      const [, pid, config, ...argv] = line.split(' ');
      return { pid: Number(pid), config, argv: argv.join(' ') };
    });
}

/** @param {import('./harness.d.mts').Project} project */
export async function dockerPids(project) {
  return (await logLines(project)).filter((line) => /^(call|child) \d+/.test(line)).map((line) => Number(line.split(' ')[1]));
}

/** @param {import('./harness.d.mts').Project} project */
export async function hangingPids(project) {
  return (await logLines(project)).filter((line) => line.startsWith('child ')).map((line) => Number(line.split(' ')[1]));
}

/**
 * Alive and not a zombie (a killed orphan may wait a moment for its reaper).
 * @param {number} pid
 */
export function isAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * @template T
 * @param {string} what
 * @param {() => Promise<T | undefined> | T | undefined} check
 * @param {number} [timeoutMs]
 * @returns {Promise<T>}
 */
export async function waitFor(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** @param {import('./harness.d.mts').Project} project */
export async function leftovers(project) {
  const configs = (await readdir(project.tmp)).filter((name) => name.startsWith('uai-docker-'));
  const build = path.join(project.dir, '.uai/build');
  /** @type {string[]} */
  const none = [];
  const partial = (await readdir(build).catch(() => none)).filter((name) => /\.tmp-|\.tmp$/.test(name));
  return [...configs.map((name) => path.join(project.tmp, name)), ...partial.map((name) => path.join(build, name))];
}

/** @param {string} stdout */
export function jsonModels(stdout) {
  const document = JSON.parse(stdout);
  return Object.fromEntries(document.models.map((/** @type {{ name: string }} */ model) => [model.name, model]));
}
