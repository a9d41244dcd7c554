import { dockerConfigDir, readDockerConfig, type DockerConfigFile } from '@uai/oci';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { diskFull } from '../../errors/disk-full.js';

/**
 * The Docker config `uai` hands the Docker CLI: the user's, so their stored logins keep working, but
 * with the hosts we log into taken out of any credential helper, so `docker login` writes into this
 * temporary copy and never into the user's keychain. Hosts the user's store serves keep it.
 */
export function temporaryDockerConfig(user: DockerConfigFile, loginHosts: readonly string[]): DockerConfigFile {
  const config: DockerConfigFile = { ...user, auths: { ...(user.auths ?? {}) }, credHelpers: { ...(user.credHelpers ?? {}) } };
  if (config.credsStore) {
    // Hosts listed in auths with a store are served by it; name them one by one so dropping the store keeps them.
    for (const host of Object.keys(config.auths ?? {})) config.credHelpers![host] ??= config.credsStore;
    delete config.credsStore;
  }
  for (const host of loginHosts) {
    delete config.credHelpers![host];
    delete config.auths![host];
  }
  return config;
}

/**
 * The Docker CLI also keeps contexts (Docker Desktop, rootless, remote engines) and CLI plugins (buildx)
 * in its config folder: link them in, read-only use, so the temporary config talks to the same engine.
 */
export const sharedDockerFolders = ['contexts', 'cli-plugins'] as const;

async function linkUserFolders(userDir: string, tempDir: string): Promise<void> {
  for (const name of sharedDockerFolders) {
    try {
      await symlink(path.join(userDir, name), path.join(tempDir, name), 'dir');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** A folder of mode 0700 in the system temp dir (never the project or HOME), removed by `remove()`. */
export async function createTemporaryDockerConfig(
  loginHosts: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const tmp = os.tmpdir();
  let dir: string | undefined;
  try {
    dir = await mkdtemp(path.join(tmp, 'uai-docker-'));
    await chmod(dir, 0o700);
    const userDir = dockerConfigDir(env);
    const config = temporaryDockerConfig(await readDockerConfig(userDir), loginHosts);
    await writeFile(path.join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
    await linkUserFolders(userDir, dir);
  } catch (error) {
    // A half-written config is still a credentials folder: never leave it behind.
    if (dir) await rm(dir, { recursive: true, force: true });
    throw diskFull(error, {
      where: `in ${tmp} for the temporary Docker config`,
      fix: 'Free space there, or set TMPDIR to a folder on another disk.',
      step: 'login',
    });
  }
  const made = dir;
  return { dir: made, remove: () => rm(made, { recursive: true, force: true }) };
}
