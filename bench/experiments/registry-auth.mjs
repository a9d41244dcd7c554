// How much of a 200-model no-op is the registry's password check: the same no-op (and one model's)
// against one registry's storage served twice, with Debian's htpasswd auth (a bcrypt check on every
// request) and without an `auth:` section, on loopback and 50 ms away. Not part of `npm run bench`:
//   node bench/experiments/registry-auth.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildStandin, pushStandins } from '../../test/e2e/support/standin.mjs';
import { registryConfig, startRegistry } from '../../test/e2e/support/registry.mjs';
import { freePort, waitFor } from '../../test/e2e/support/wait.mjs';
import { native } from '../lib/contenders.mjs';
import { bench, log } from '../lib/context.mjs';
import { startDelayProxy } from '../lib/delay-proxy.mjs';
import { makeProject } from '../lib/project.mjs';
import { median } from '../lib/report.mjs';

const baseImage = 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';
const reps = Number(process.env.BENCH_REPS || 5);

bench.workDir = mkdtempSync(path.join(os.tmpdir(), 'uai-registry-auth-'));
const withAuth = await startRegistry();
await pushStandins({
  standin: await buildStandin({ log }),
  registry: withAuth,
  dockerConfig: mkdtempSync(path.join(bench.workDir, 'dc-')),
  images: [baseImage],
});
// The same storage, served by a second registry process without auth.
const port = await freePort();
const config = path.join(bench.workDir, 'no-auth.yml');
writeFileSync(config, registryConfig({ dir: withAuth.dir, port }).replace(/auth:\n( {2}.*\n)+/, ''));
const open = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
await waitFor(`the registry without auth on port ${port}`, async () => ((await fetch(`http://127.0.0.1:${port}/v2/`)).status === 200 ? true : undefined));
const withoutAuth = { ...withAuth, host: `127.0.0.1:${port}`, pid: open.pid };

try {
  for (const [name, registry] of [
    ['htpasswd', withAuth],
    ['no auth', withoutAuth],
  ]) {
    bench.registry = registry;
    const one = makeProject({ weightBytes: 4 * 1024 * 1024 });
    const many = makeProject({ count: 200, weightBytes: 64 * 1024 });
    for (const where of ['on loopback', '50 ms away']) {
      const far = where === '50 ms away' ? await startDelayProxy(registry, 50) : undefined;
      const env = far ? { UAI_REGISTRY_HOST: far.host } : {};
      await native(one, [], env);
      await native(many, [], env);
      const times = { one: [], many: [], registryCpu: [] };
      for (let rep = 0; rep < reps; rep++) {
        times.one.push((await native(one, [], env)).ms);
        const run = await native(many, [], env); // bench.registry is this registry: its CPU is counted
        times.many.push(run.ms);
        times.registryCpu.push(run.registryCpu);
      }
      const [m, o] = [median(times.many), median(times.one)];
      console.log(
        `${name}, ${where}: 200-model no-op ${m.toFixed(0)} ms vs one model's ${o.toFixed(0)} ms (${(m / o).toFixed(2)}x); registry CPU ${median(times.registryCpu).toFixed(2)} s`,
      );
      await far?.stop();
    }
  }
} finally {
  open.kill();
  await withAuth.stop();
}
