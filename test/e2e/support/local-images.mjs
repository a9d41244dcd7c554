// @ts-check
import { run } from './exec.mjs';

/**
 * Untags every local image named under `host/` (built, pulled or tagged for a test registry), so
 * runs against per-run registries on fresh ports do not pile up tags in the engine.
 * @param {string} host
 */
export async function removeLocalImages(host) {
  const listed = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}']);
  const refs = listed.stdout.split('\n').filter((ref) => ref.startsWith(`${host}/`));
  if (refs.length > 0) await run('docker', ['rmi', '--force', ...refs]);
}
