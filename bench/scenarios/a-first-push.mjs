// (a) One model, first build+push: against `curl -T` of the same weights to the same registry (the
// registry's own ingest, the floor) and against the Docker builder.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { dockerBuilder, dryRun, native } from '../lib/contenders.mjs';
import { bench, options } from '../lib/context.mjs';
import { curlUpload } from '../lib/curl.mjs';
import { run, runOk, settle } from '../lib/process.mjs';
import { makeProject } from '../lib/project.mjs';
import { fmt, fmtBytes, list, median, record } from '../lib/report.mjs';

const { sizes, reps } = options;

/** Resolves with the last project, its last native run and the median time, for (b). */
export async function scenarioA() {
  // The registry's ingest varies by +-20% from one upload to the next here: each contender runs `reps`
  // times, interleaved, on fresh weights and a fresh repository, and the medians are compared.
  const curls = [];
  const natives = [];
  let project;
  let first;
  for (let rep = 0; rep < reps; rep++) {
    if (project) rmSync(project.dir, { recursive: true, force: true });
    project = makeProject({ weightBytes: sizes.a });
    const weights = path.join(project.dir, 'models/m0/checkpoint_dir/weights.bin');
    if (rep === 0) {
      const hash = await runOk('openssl', ['dgst', '-sha256', weights]);
      record('a', `openssl dgst -sha256 of ${fmtBytes(sizes.a)} (hashing reference)`, fmt(hash.ms));
    }
    // Warm the page cache the same way for every contender, and flush what makeProject wrote: the
    // registry fsyncs each blob, and must not wait for our 400 MB of dirty pages in one run only.
    await runOk('cat', [weights], {});
    await settle();
    // Alternate who goes first, so neither always meets what the other left behind.
    const runCurl = async () => curls.push(await curlUpload(weights, `${project.namespace}/curl-reference`));
    const runNative = async () => {
      first = await native(project);
      natives.push(first.ms);
    };
    for (const contender of rep % 2 === 0 ? [runCurl, runNative] : [runNative, runCurl]) {
      await contender();
      await settle();
    }
  }
  const curl = median(curls);
  const nativeMs = median(natives);
  record('a', `curl -T of the weights file to the registry (median of ${reps}: ${list(curls)})`, fmt(curl));
  record(
    'a',
    `native build+push, one model, ${fmtBytes(sizes.a)} of weights (median of ${reps}: ${list(natives)})`,
    `${fmt(nativeMs)} (${(nativeMs / curl).toFixed(2)}x curl)`,
    '<= 1.2x curl',
    nativeMs <= 1.2 * curl,
  );
  const fixed = await dryRun(project);
  record(
    'a',
    '  of which the fixed start-up cost (`uai build --dry-run` of the same project)',
    `${fmt(fixed)}; the rest, ${fmt(nativeMs - fixed)}, is ${((nativeMs - fixed) / curl).toFixed(2)}x curl`,
  );
  if (!options.skipDocker) await againstDocker(nativeMs);
  return { project, first, firstMs: nativeMs };
}

/** The Docker builder on a project of the same size, against the native builder's median time. */
async function againstDocker(nativeMs) {
  const dockerProject = makeProject({ weightBytes: sizes.a });
  const dockerRun = await dockerBuilder(dockerProject);
  record(
    'a',
    `docker builder build+push, same model`,
    `${fmt(dockerRun.ms)}; native is ${(nativeMs / dockerRun.ms).toFixed(3)}x`,
    'native <= 0.15x docker',
    nativeMs <= 0.15 * dockerRun.ms,
  );
  await run('docker', ['rmi', '--force', `${bench.registry.host}/${dockerProject.namespace}/bench-m0:v1`]);
  rmSync(dockerProject.dir, { recursive: true, force: true });
}
