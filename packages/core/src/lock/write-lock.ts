import { parseReference, referenceTarget } from '@uai/oci';
import path from 'node:path';
import { credentialsFromEnv } from '../builders/credentials.js';
import { NativeSession } from '../builders/native/session.js';
import { registryFailure } from '../errors/registry-failure.js';
import { UaiError } from '../errors/uai-error.js';
import type { PreparedRun } from '../plan/prepare-run.js';
import { writeFiles } from '../render/write-files.js';
import { lockableImages, lockFileName, serializeLockFile } from './lock-file.js';

/** Asks each base image's registry for its manifest digest, with the credentials a build would use. */
export async function resolveDigests(
  run: PreparedRun,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal = new AbortController().signal,
): Promise<Record<string, string>> {
  const session = new NativeSession({ env, root: run.root, push: false });
  const images: Record<string, string> = {};
  try {
    await session.login(
      credentialsFromEnv(
        env,
        run.plans.map((plan) => plan.registryHost),
      ),
      signal,
    );
    for (const image of lockableImages(run.plans)) {
      const ref = parseReference(image);
      try {
        images[image] = (await session.clientFor(ref.host).getManifest(ref.repository, referenceTarget(ref), signal)).digest;
      } catch (cause) {
        const mapped = registryFailure(cause, { host: ref.host, step: 'lock', baseImage: image });
        const failure = mapped instanceof UaiError ? mapped : new UaiError('UAI_BUILD_FAILED', (cause as Error).message);
        throw new UaiError(failure.code, `Could not resolve ${image}: ${failure.message}`, { cause, step: 'lock' });
      }
    }
  } finally {
    await session.dispose();
  }
  return images;
}

/** `uai lock`: resolves every model's base image and writes `uai.lock.json` beside the config. */
export async function writeLock(run: PreparedRun, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<{ file: string; images: Record<string, string> }> {
  const images = await resolveDigests(run, env, signal);
  await writeFiles(run.root, [{ path: lockFileName, contents: serializeLockFile(images) }]);
  return { file: path.join(run.root, lockFileName), images };
}
