// @ts-check
// A real registry for a test run or the demo: Debian's docker-registry (distribution 2.8) on
// 127.0.0.1, an ephemeral port, its own storage, and htpasswd (bcrypt) basic auth.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { openSync, closeSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runOk } from './exec.mjs';
import { freePort, waitFor } from './wait.mjs';

/**
 * @typedef {object} Registry
 * @property {string} host `127.0.0.1:PORT`, usable as `registry.host` (Docker treats 127.0.0.0/8 as insecure: plain http)
 * @property {number} port
 * @property {string} url `http://127.0.0.1:PORT`
 * @property {string} username
 * @property {string} password
 * @property {string} dir its config, htpasswd, storage and log
 * @property {number} pid the registry process (the benchmarks read its CPU time)
 * @property {() => Promise<void>} stop
 */

/** A random password that is easy to search for in output. */
export function randomPassword() {
  return `pw-${randomBytes(18).toString('base64url')}`;
}

/**
 * The config of a Debian docker-registry on 127.0.0.1:`port` storing under `dir`. `auth` are the lines
 * of its `auth:` section (htpasswd by default; the token-server test gives a `token:` section).
 * @param {{ dir: string, port: number, auth?: string[] }} options
 */
export function registryConfig({ dir, port, auth = ['  htpasswd:', '    realm: uai-e2e', `    path: ${JSON.stringify(path.join(dir, 'htpasswd'))}`] }) {
  // Plain YAML; every path is ours and has no characters that need quoting beyond JSON strings.
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(path.join(dir, 'storage'))}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    'auth:',
    ...auth,
    '',
  ].join('\n');
}

/**
 * Starts a registry; resolves once `GET /v2/` answers 401 (auth is on).
 * @param {{ username?: string, password?: string, binary?: string }} [options]
 * @returns {Promise<Registry>}
 */
export async function startRegistry(options = {}) {
  const username = options.username ?? 'uai-e2e';
  const password = options.password ?? randomPassword();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'uai-registry-'));
  // bcrypt (-B), password read from stdin (-i): never in argv.
  await runOk('htpasswd', ['-iBc', path.join(dir, 'htpasswd'), username], { input: `${password}\n` });

  // The port is free when asked; another process could take it before the registry binds, so retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const configFile = path.join(dir, 'config.yml');
    await writeFile(configFile, registryConfig({ dir, port }));
    const logFile = path.join(dir, 'registry.log');
    const log = openSync(logFile, 'a');
    const child = spawn(options.binary ?? 'docker-registry', ['serve', configFile], {
      stdio: ['ignore', log, log],
      // Its REGISTRY_* variables would override the config file.
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRY_'))),
    });
    closeSync(log);
    let exited = false;
    child.on('exit', () => (exited = true));
    const url = `http://127.0.0.1:${port}`;
    try {
      // Connection errors mean "not yet" (waitFor retries them); an exit ends the wait at once.
      const state = await waitFor(
        `docker-registry on ${url}`,
        async () => {
          if (exited) return 'exited';
          const response = await fetch(`${url}/v2/`);
          return response.status === 401 ? 'up' : undefined;
        },
        { timeoutMs: 15_000 },
      );
      if (state === 'exited') throw new Error(`docker-registry exited:\n${readFileSync(logFile, 'utf8')}`);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt < 3 && /address already in use/.test(String(error))) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    // If the harness dies without teardown, the registry goes with it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const stop = async () => {
      process.removeListener('exit', killOnExit);
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (!exited) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    };
    return { host: `127.0.0.1:${port}`, port, url, username, password, dir, pid: child.pid ?? 0, stop };
  }
}
