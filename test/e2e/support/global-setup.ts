// Once per e2e run: a real Docker engine must answer; a registry with a password is started and the
// stand-in base image is pushed under every catalog name of every installed plugin. Test files get the
// details through inject('uaiE2e') (see context.ts); teardown stops the registry and untags images.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { catalogImages } from './catalog.mjs';
import { run } from './exec.mjs';
import { removeLocalImages } from './local-images.mjs';
import { startRegistry } from './registry.mjs';
import { buildStandin, pushStandins } from './standin.mjs';
import type { E2eContext } from './context.js';

const log = (line: string) => process.stderr.write(`[e2e] ${line}\n`);

export default async function setup(project: TestProject) {
  const engine = await run('docker', ['version', '--format', '{{.Server.Version}}']);
  if (engine.code !== 0) {
    throw new Error(
      `The e2e tests need a Docker engine and none answers:\n${engine.stderr.trim()}\n` +
        'Run `bash scripts/ensure-engine.sh` (as root; .ci/run does) or start dockerd, then run again.',
    );
  }
  const started = Date.now();
  const dockerConfig = await mkdtemp(path.join(os.tmpdir(), 'uai-e2e-harness-'));
  const registry = await startRegistry();
  let standin: string;
  try {
    standin = await buildStandin({ log });
    const baseImages = await catalogImages();
    await pushStandins({ standin, registry, dockerConfig, images: baseImages });
    log(`registry ${registry.host}, ${baseImages.length} stand-in bases pushed in ${Date.now() - started} ms`);
  } catch (error) {
    await registry.stop();
    await rm(dockerConfig, { recursive: true, force: true });
    throw error;
  }
  const context: E2eContext = {
    host: registry.host,
    url: registry.url,
    username: registry.username,
    password: registry.password,
    dockerConfig,
    standin,
  };
  project.provide('uaiE2e', context);

  return async () => {
    await removeLocalImages(registry.host);
    await registry.stop();
    await rm(dockerConfig, { recursive: true, force: true });
  };
}
