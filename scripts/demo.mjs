// @ts-check
// `npm run demo`, after scripts/demo.sh has the engine up and the packages built: a local registry with
// a password, the stand-in UAI bases under their uaishare/ names, one `uai build` of every model of the
// root uai.config.ts (four frameworks, in parallel), then each pushed image run from the registry and
// asked POST /service, as UAI Inference would.
import { prepareRun } from '@uai/core';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { catalogImages } from '../test/e2e/support/catalog.mjs';
import { docker, run } from '../test/e2e/support/exec.mjs';
import { removeLocalImages } from '../test/e2e/support/local-images.mjs';
import { repoRoot, uaiBin } from '../test/e2e/support/paths.mjs';
import { registryClient, splitImageRef } from '../test/e2e/support/registry-client.mjs';
import { startRegistry } from '../test/e2e/support/registry.mjs';
import { callService, startService } from '../test/e2e/support/service.mjs';
import { buildStandin, pushStandins } from '../test/e2e/support/standin.mjs';

/**
 * The tensorflow example's weights: big enough for the upload's progress to show, random so they do not
 * compress. Written here, not kept in git (.gitignore): the model's required files are small and
 * committed, so the config is valid without this one.
 */
const weights = path.join(repoRoot, 'examples/tensorflow-digits/code/export/variables/variables.data-00000-of-00001');
const weightsBytes = 200e6;
const chunkBytes = 1e6;

const say = (line) => process.stdout.write(`\n== ${line}\n`);

/** Writes the weights file unless it is there at its size: streamed 1 MB at a time, renamed into place when whole. */
async function ensureWeights() {
  const size = await stat(weights).then(
    (info) => info.size,
    () => -1,
  );
  if (size === weightsBytes) return;
  say(`writing ${weightsBytes / 1e6} MB of random weights (once; not in git) to\n   ${path.relative(repoRoot, weights)}`);
  const partial = `${weights}.partial`;
  async function* chunks() {
    for (let written = 0; written < weightsBytes; written += chunkBytes) yield randomBytes(Math.min(chunkBytes, weightsBytes - written));
  }
  try {
    await pipeline(Readable.from(chunks()), createWriteStream(partial));
    await rename(partial, weights);
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Pushes the stand-in base under every catalog name. The local docker-registry has once answered one of
 * these pushes with a 500, right after a cross-repository mount, on a busy machine: the pushes are
 * idempotent, so they are tried again, saying what the registry logged.
 */
async function pushBases(options, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pushStandins(options);
    } catch (error) {
      if (attempt >= attempts) throw error;
      const logged = await readFile(path.join(options.registry.dir, 'registry.log'), 'utf8').catch(() => '');
      const errors = logged.split('\n').filter((line) => /level=error/.test(line));
      process.stdout.write(`pushing the bases failed (${String(error).split('\n').at(-1)}), trying again\n${errors.slice(-3).join('\n')}\n`);
    }
  }
}

/**
 * Runs `uai build` on the root config. In a terminal it has the terminal (its live list of the models,
 * with the big layer's progress); otherwise its output is passed through as it comes.
 */
function uaiBuild(env) {
  const args = [uaiBin, 'build', '--builder', 'native'];
  const terminal = Boolean(process.stdout.isTTY && process.stderr.isTTY);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', terminal ? 'inherit' : 'pipe', 'inherit'] });
    child.stdout?.setEncoding('utf8').on('data', (chunk) => process.stdout.write(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** The service's answer without what every answer of the stand-in says (`standin`, `config`), to fit a line. */
function shortAnswer(body) {
  try {
    const { standin: _standin, config: _config, ...rest } = JSON.parse(body);
    return JSON.stringify(rest);
  } catch {
    return body;
  }
}

/**
 * Pulls `ref` from the registry (not a local build), runs it as the platform would and calls POST
 * /service; throws unless it answers 200.
 */
async function tryImage({ name, ref }, client, dockerConfig) {
  const { repository, reference } = splitImageRef(ref);
  const { digest } = await client.manifest(repository, reference);
  const env = (await client.imageConfig(repository, reference)).config.Env ?? [];
  say(`${name}: docker run ${ref} (${digest.slice(0, 19)})`);
  process.stdout.write(`   ENV ${env.filter((entry) => !entry.startsWith('PATH=')).join(' ')}\n`);
  await run('docker', ['rmi', ref]);
  await docker(dockerConfig, ['pull', '--quiet', ref]);
  const service = await startService({ image: ref, dockerConfig });
  try {
    const answer = await callService('demo');
    process.stdout.write(`   POST /service -> ${answer.status}\n   ${answer.status === 200 ? shortAnswer(answer.body) : answer.body}\n`);
    if (answer.status !== 200) throw new Error(`${ref}: the service answered ${answer.status}`);
  } finally {
    await service.stop();
  }
}

async function main() {
  const started = Date.now();
  if ((await run('docker', ['version', '--format', '{{.Server.Version}}'])).code !== 0) {
    throw new Error('no Docker engine answers; run scripts/ensure-engine.sh first (npm run demo does)');
  }
  await ensureWeights();
  const work = await mkdtemp(path.join(os.tmpdir(), 'uai-demo-'));
  const dockerConfig = path.join(work, 'docker');
  const registry = await startRegistry({ username: 'uai-demo' });
  try {
    say(`registry ${registry.host} (user ${registry.username}, a random password; log: ${registry.dir}/registry.log)`);
    const standin = await buildStandin({ log: (line) => console.log(line) });
    const images = await catalogImages();
    say(`pushing the stand-in base ${standin} as ${images.length} uaishare/ images`);
    await pushBases({ standin, registry, dockerConfig, images });

    // The password reaches uai through the environment only; uai hands it to docker login on stdin.
    const env = { ...process.env, UAI_REGISTRY_HOST: registry.host, UHUB_USERNAME: registry.username, UHUB_PASSWORD: registry.password };
    // What uai will push: the same plans it makes from the same config.
    const models = (await prepareRun({ cwd: repoRoot, env })).plans.map((plan) => ({ name: plan.name, ref: plan.imageRef }));
    // The native builder, though an engine answers: it shows the big layer's upload as it goes.
    const parallel = `${models.length} models, up to ${Math.min(16, 4 * os.availableParallelism())} at a time (four per CPU, at most 16)`;
    say(`uai build --builder native: ${parallel}; UAI_REGISTRY_HOST=${registry.host}`);
    const code = await uaiBuild(env);
    if (code !== 0) throw new Error(`uai build exited ${code}`);

    const client = registryClient(registry);
    for (const model of models) await tryImage(model, client, dockerConfig);
    const seconds = Math.round((Date.now() - started) / 1000);
    say(`demo passed: ${models.length} images built and pushed in parallel, each run and answering POST /service (${seconds} s)`);
  } finally {
    await removeLocalImages(registry.host);
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
});
