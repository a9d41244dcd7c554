import { parseReference, referenceTarget, RegistryClient } from '@uai/oci';
import path from 'node:path';
import { credentialFor, credentialsFromEnv } from './credentials.js';
import { UaiError } from './errors.js';
import { lockableImages, lockFileName, serializeLockFile } from './lockfile.js';
import type { PreparedRun } from './prepare-run.js';
import { writeFiles } from './write-files.js';

/** Asks each base image's registry for its manifest digest. */
export async function resolveDigests(run: PreparedRun, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<Record<string, string>> {
  const fromEnv = credentialsFromEnv(env, run.plans.map((plan) => plan.registryHost));
  const clients = new Map<string, RegistryClient>();
  const images: Record<string, string> = {};
  try {
    for (const image of lockableImages(run.plans)) {
      const ref = parseReference(image);
      let client = clients.get(ref.host);
      if (!client) {
        client = new RegistryClient({ host: ref.host, credential: () => credentialFor(ref.host, fromEnv, env) });
        clients.set(ref.host, client);
      }
      try {
        images[image] = (await client.getManifest(ref.repository, referenceTarget(ref), signal)).digest;
      } catch (cause) {
        throw new UaiError('UAI_REGISTRY_UNREACHABLE', `Could not resolve ${image}: ${(cause as Error).message}`, { cause, step: 'lock' });
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
  return images;
}

/** `uai lock`: resolves every model's base image and writes `uai.lock.json` beside the config. */
export async function writeLock(run: PreparedRun, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<{ file: string; images: Record<string, string> }> {
  const images = await resolveDigests(run, env, signal);
  await writeFiles(run.root, [{ path: lockFileName, contents: serializeLockFile(images) }]);
  return { file: path.join(run.root, lockFileName), images };
}
