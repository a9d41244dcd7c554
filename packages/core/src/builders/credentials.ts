import { dockerConfigCredential, type Credential } from '@uai/oci';
import type { RegistryCredentials } from './builder.js';
import { secretEnvNames } from '../secrets/secret-env.js';
import { UaiError } from '../errors/uai-error.js';

/**
 * `UHUB_USERNAME`/`UHUB_PASSWORD` log in to the hosts `uai` pushes to. Without them, the user's
 * Docker login store is used as it is. Only one of the two set is a mistake worth stopping for.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, hosts: readonly string[]): RegistryCredentials[] {
  const username = env.UHUB_USERNAME;
  const password = env.UHUB_PASSWORD;
  if (!username && !password) return [];
  if (!username || !password) {
    throw new UaiError(
      'UAI_USAGE',
      `${username ? 'UHUB_PASSWORD' : 'UHUB_USERNAME'} is not set but ${username ? 'UHUB_USERNAME' : 'UHUB_PASSWORD'} is. Set both, or neither to use your docker login.`,
    );
  }
  return [...new Set(hosts)].map((host) => ({ host, username, password }));
}

/**
 * What `uai` offers a registry host that asks for credentials: the UHUB_USERNAME/UHUB_PASSWORD pair
 * when the host is one the run pushes to (`fromEnv`, see credentialsFromEnv), else what the user's
 * Docker login store holds for it, else nothing (anonymous). The one rule for every registry client.
 */
export async function credentialFor(host: string, fromEnv: readonly RegistryCredentials[], env: NodeJS.ProcessEnv): Promise<Credential | undefined> {
  const given = fromEnv.find((credential) => credential.host === host);
  return given ? { username: given.username, password: given.password } : dockerConfigCredential(host, { env, withhold: secretEnvNames });
}
