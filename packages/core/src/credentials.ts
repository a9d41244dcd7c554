import type { RegistryCredentials } from './builder.js';
import { UaiError } from './errors.js';

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
