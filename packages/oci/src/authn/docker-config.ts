import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** One `auths` entry of Docker's config.json, as `docker login` writes it. */
export interface DockerAuthEntry {
  /** base64 of `username:password`. */
  auth?: string;
  username?: string;
  password?: string;
  /** An OAuth2 refresh token, instead of a password. */
  identitytoken?: string;
  [key: string]: unknown;
}

/** Docker's config.json: the keys that say where logins are, and every other key kept as it is. */
export interface DockerConfigFile {
  auths?: Record<string, DockerAuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** The user's Docker config folder, as the Docker CLI finds it: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/** `config.json` in a Docker config folder; `{}` when there is none or it cannot be read as a JSON object. */
export async function readDockerConfig(dir: string): Promise<DockerConfigFile> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as DockerConfigFile) : {};
  } catch {
    return {};
  }
}
