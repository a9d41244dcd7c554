import { spawn } from 'node:child_process';
import { canonicalRegistryHost, credentialServerUrl } from '../name/reference.js';
import { dockerConfigDir, readDockerConfig } from './docker-config.js';

export interface Credential {
  username: string;
  password: string;
  /** An OAuth2 refresh token (`docker login` to some registries stores one instead of a password). */
  identityToken?: string;
}

export type HelperRunner = (helper: string, serverUrl: string, env?: NodeJS.ProcessEnv) => Promise<string>;

/** Runs `docker-credential-<helper> get`, the server URL on stdin, JSON on stdout, with `env` as it is given. */
export const runCredentialHelper: HelperRunner = (helper, url, env = process.env) =>
  new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], env });
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

export interface DockerConfigCredentialOptions {
  /** The environment the Docker config folder is found from, and a credential helper runs with. */
  env: NodeJS.ProcessEnv;
  /**
   * Variables a credential helper (another program, chosen by the user's Docker config) must not see:
   * the caller's own secrets. Named by the caller; `env` itself is left as it is.
   */
  withhold?: readonly string[];
  /** @default runCredentialHelper */
  runHelper?: HelperRunner;
}

/** `env` without the withheld variables. */
function helperEnv(env: NodeJS.ProcessEnv, withhold: readonly string[]): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of withhold) delete copy[name];
  return copy;
}

/** What a credential helper answers for a host; undefined when it has nothing or fails. */
async function helperCredential(helper: string, host: string, options: DockerConfigCredentialOptions): Promise<Credential | undefined> {
  const runHelper = options.runHelper ?? runCredentialHelper;
  try {
    const answer = await runHelper(helper, credentialServerUrl(host), helperEnv(options.env, options.withhold ?? []));
    const reply = JSON.parse(answer) as { Username?: string; Secret?: string };
    if (reply.Secret) {
      if (reply.Username === '<token>') return { username: '', password: '', identityToken: reply.Secret };
      return { username: reply.Username ?? '', password: reply.Secret };
    }
  } catch {
    // "credentials not found" and helper failures fall through to auths, then anonymous.
  }
  return undefined;
}

/**
 * What the user's Docker config holds for a host: `credHelpers[host]`, else `credsStore`, else
 * `auths[host]`. Undefined when it holds nothing (pull anonymously).
 */
export async function dockerConfigCredential(host: string, options: DockerConfigCredentialOptions): Promise<Credential | undefined> {
  const config = await readDockerConfig(dockerConfigDir(options.env));
  const wanted = canonicalRegistryHost(host);
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => canonicalRegistryHost(key) === wanted)?.[1] ?? config.credsStore;
  if (helper) {
    const found = await helperCredential(helper, wanted, options);
    if (found) return found;
  }
  const entry = Object.entries(config.auths ?? {}).find(([key]) => canonicalRegistryHost(key) === wanted)?.[1];
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
