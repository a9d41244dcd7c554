import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface Credential {
  username: string;
  password: string;
  /** An OAuth2 refresh token (`docker login` to some registries stores one instead of a password). */
  identityToken?: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** `https://host/v1/` and `host` name the same registry in a Docker config. */
export function normalizeConfigHost(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'docker.io' ? 'registry-1.docker.io' : host;
}

/** The key the Docker CLI uses for a host (Docker Hub has a historical one). */
function serverUrl(host: string): string {
  return host === 'registry-1.docker.io' ? 'https://index.docker.io/v1/' : host;
}

export type HelperRunner = (helper: string, serverUrl: string, env?: NodeJS.ProcessEnv) => Promise<string>;

/** Variables a credential helper (another program, chosen by the user's Docker config) must not see. */
const secretVariables = ['UHUB_PASSWORD'];

/** Runs `docker-credential-<helper> get`, the server URL on stdin, JSON on stdout; `env` without our secrets. */
export const runCredentialHelper: HelperRunner = (helper, url, env = process.env) =>
  new Promise((resolve, reject) => {
    const childEnv = { ...env };
    for (const name of secretVariables) delete childEnv[name];
    const child = spawn(`docker-credential-${helper}`, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error) => reject(new Error(`docker-credential-${helper} could not run: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`docker-credential-${helper} get failed: ${(out || err).trim()}`));
    });
    child.stdin.end(url);
  });

/** The user's Docker config folder, as the Docker CLI finds it: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/**
 * What the user's Docker config holds for a host: `credHelpers[host]`, else `credsStore`, else
 * `auths[host]`. Undefined when it holds nothing (pull anonymously).
 */
export async function dockerConfigCredential(
  host: string,
  env: NodeJS.ProcessEnv = process.env,
  runHelper: HelperRunner = runCredentialHelper,
): Promise<Credential | undefined> {
  const dir = dockerConfigDir(env);
  let config: DockerConfigFile;
  try {
    config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as DockerConfigFile;
  } catch {
    return undefined;
  }
  const wanted = normalizeConfigHost(host);
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => normalizeConfigHost(key) === wanted)?.[1] ?? config.credsStore;
  if (helper) {
    try {
      const reply = JSON.parse(await runHelper(helper, serverUrl(wanted), env)) as { Username?: string; Secret?: string };
      if (reply.Secret) {
        if (reply.Username === '<token>') return { username: '', password: '', identityToken: reply.Secret };
        return { username: reply.Username ?? '', password: reply.Secret };
      }
    } catch {
      // "credentials not found" and helper failures fall through to auths, then anonymous.
    }
  }
  const entry = Object.entries(config.auths ?? {}).find(([key]) => normalizeConfigHost(key) === wanted)?.[1];
  if (!entry) return undefined;
  if (entry.identitytoken) return { username: '', password: '', identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}
