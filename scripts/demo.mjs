// @ts-check
// `npm run demo`, after scripts/demo.sh has the engine up and the packages built: a local registry with
// a password, the stand-in UAI bases under their uaishare/ names, `uai build` on the root
// uai.config.ts, then the pushed image run and asked POST /service, as UAI Inference would.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { catalogImages } from '../test/e2e/support/catalog.mjs';
import { docker, run } from '../test/e2e/support/exec.mjs';
import { repoRoot, uaiBin } from '../test/e2e/support/paths.mjs';
import { removeLocalImages } from '../test/e2e/support/local-images.mjs';
import { registryClient, splitImageRef } from '../test/e2e/support/registry-client.mjs';
import { startRegistry } from '../test/e2e/support/registry.mjs';
import { callService, startService } from '../test/e2e/support/service.mjs';
import { buildStandin, pushStandins } from '../test/e2e/support/standin.mjs';

const say = (line) => process.stdout.write(`\n== ${line}\n`);

/** Runs `uai build`, echoing its output; resolves to its exit code and stdout. */
function uaiBuild(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [uaiBin, 'build'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

async function main() {
  if ((await run('docker', ['version', '--format', '{{.Server.Version}}'])).code !== 0) {
    throw new Error('no Docker engine answers; run scripts/ensure-engine.sh first (npm run demo does)');
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'uai-demo-'));
  const dockerConfig = path.join(work, 'docker');
  const registry = await startRegistry({ username: 'uai-demo' });
  try {
    say(`registry ${registry.host} (user ${registry.username}, a random password; log: ${registry.dir}/registry.log)`);
    const standin = await buildStandin({ log: (line) => console.log(line) });
    const images = await catalogImages();
    say(`pushing the stand-in base ${standin} as ${images.length} uaishare/ images`);
    await pushStandins({ standin, registry, dockerConfig, images });

    say(`uai build (UAI_REGISTRY_HOST=${registry.host})`);
    // The password reaches uai through the environment only; uai hands it to docker login on stdin.
    const env = { ...process.env, UAI_REGISTRY_HOST: registry.host, UHUB_USERNAME: registry.username, UHUB_PASSWORD: registry.password };
    const build = await uaiBuild(env);
    const pushed = [...build.stdout.matchAll(/upload docker images successful\. images:(\S+)/g)].map((match) => match[1]);
    if (build.code !== 0 || pushed.length === 0) throw new Error(`uai build exited ${build.code}`);

    const client = registryClient(registry);
    for (const ref of pushed) {
      const { repository, reference } = splitImageRef(ref);
      const { digest } = await client.manifest(repository, reference);
      const config = (await client.imageConfig(repository, reference)).config;
      say(`${ref}\n   digest ${digest}\n   Env ${JSON.stringify(config.Env)}\n   Cmd ${JSON.stringify(config.Cmd)}`);
      // Run what the registry holds, not the local build.
      await run('docker', ['rmi', ref]);
      await docker(dockerConfig, ['pull', '--quiet', ref]);
      const service = await startService({ image: ref, dockerConfig });
      try {
        const answer = await callService('demo');
        say(`POST http://127.0.0.1:8080/service -> ${answer.status}\n   ${answer.body}`);
        if (answer.status !== 200) throw new Error(`the service answered ${answer.status}`);
      } finally {
        await service.stop();
      }
    }
    say('demo passed');
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
