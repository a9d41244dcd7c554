// @ts-check
// Runs a pushed image as the platform would (`docker run`, host network) and calls POST /service.
import { docker, run } from './exec.mjs';
import { portInUse, waitFor } from './wait.mjs';

/** The port the UAI server listens on (uai-platform.md). */
export const servicePort = 8080;

/**
 * Starts `image` in the background on the host network; `stop()` removes the container.
 * Only one such container can run at a time: they all listen on 8080.
 * @param {{ image: string, dockerConfig?: string, name?: string, runArgs?: string[] }} options
 *   runArgs: more `docker run` options (-e, -v) before the image
 */
export async function startService({ image, dockerConfig, name = `uai-e2e-${process.pid}-${Date.now()}`, runArgs = [] }) {
  if (await portInUse(servicePort)) {
    throw new Error(`port ${servicePort} on 127.0.0.1 is in use; stop what listens there (docker ps; ss -ltnp) and run again`);
  }
  await docker(dockerConfig, ['run', '--detach', '--network', 'host', '--name', name, ...runArgs, image]);
  const stop = async () => {
    await run('docker', ['rm', '--force', name]);
    await waitFor(`port ${servicePort} to be free`, async () => ((await portInUse(servicePort)) ? undefined : true));
  };
  try {
    await waitFor(`${image} to listen on ${servicePort}`, async () => ((await portInUse(servicePort)) ? true : undefined), {
      timeoutMs: 30_000,
    });
  } catch (error) {
    const logs = await run('docker', ['logs', name]);
    await stop();
    throw new Error(`${/** @type {Error} */ (error).message}\ncontainer output:\n${logs.stdout}${logs.stderr}`);
  }
  return { name, stop, logs: () => run('docker', ['logs', name]) };
}

/**
 * `POST /service` on the running container: its status and body.
 * @param {string | Buffer} [body]
 */
export async function callService(body = 'ping') {
  const response = await fetch(`http://127.0.0.1:${servicePort}/service`, { method: 'POST', body });
  return { status: response.status, body: await response.text() };
}
