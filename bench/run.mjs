// Benchmarks of the native builder (issue 5). Needs what the e2e tests need: a Docker engine (for the
// stand-in base image and the docker-builder comparison), Debian's docker-registry, htpasswd, curl and
// openssl. Starts its own registry on 127.0.0.1, writes bench/results.md. Not a test: it prints numbers
// and marks each against its target.
//
//   npm run bench                    full sizes (400 MB, 2 GB of weights; a few GB of disk)
//   BENCH_SIZE=small npm run bench   a smoke run for CI (a few MB)
//   BENCH_ONLY=a,c npm run bench     some scenarios only
//   BENCH_REPS=5 npm run bench       runs of each timed contender (default 3, 1 when small); medians compared
//   BENCH_OUT=FILE npm run bench     write the results there instead of bench/results*.md
//   BENCH_KEEP_CA=1 npm run bench    keep NODE_EXTRA_CA_CERTS for uai (see `uaiEnv` in lib/contenders.mjs)
//
// This file is the entry: the scenarios in order, the registry and work dir around them, the results
// file. The options are read in lib/context.mjs; each scenario is a module under scenarios/.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startRegistry } from '../test/e2e/support/registry.mjs';
import { buildStandin, pushStandins } from '../test/e2e/support/standin.mjs';
import { bench, log, options, repoRoot } from './lib/context.mjs';
import { machine, results } from './lib/report.mjs';
import { scenarioA } from './scenarios/a-first-push.mjs';
import { scenarioB } from './scenarios/b-code-change.mjs';
import { scenarioC } from './scenarios/c-no-op.mjs';
import { scenarioD } from './scenarios/d-concurrency.mjs';
import { scenarioE } from './scenarios/e-peak-rss.mjs';
import { scenarioF } from './scenarios/f-scale.mjs';
import { scenarioG } from './scenarios/g-far-registry.mjs';

const baseImage = 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';
const { small, only, reps } = options;

/** The scenarios BENCH_ONLY asks for (all by default), in order; (b) reuses (a)'s project and first push when both run. */
async function runScenarios() {
  const want = (id) => !only || only.includes(id);
  let a;
  if (want('a')) a = await scenarioA();
  if (want('b')) await scenarioB(a);
  if (want('c')) await scenarioC();
  if (want('d')) await scenarioD();
  if (want('e')) await scenarioE();
  if (want('f')) await scenarioF();
  if (want('g')) await scenarioG();
}

/** The results file: how it was run, the machine, the table of what was recorded, how each is measured. */
async function resultsDoc() {
  const table = [
    '| | measurement | result | target | |',
    '|---|---|---|---|---|',
    ...results.map((r) => `| ${r.id} | ${r.what} | ${r.value} | ${r.target ?? ''} | ${r.target ? (r.ok ? 'met' : '**missed**') : ''} |`),
  ].join('\n');
  return [
    '# Native builder benchmarks',
    '',
    `Run with \`${small ? 'BENCH_SIZE=small ' : ''}${options.repsGiven ? `BENCH_REPS=${reps} ` : ''}npm run bench\` on ${new Date().toISOString().slice(0, 10)}${small ? " (small sizes: a smoke run, not the targets' sizes)" : ''}.`,
    '',
    '## Machine',
    await machine(),
    '',
    '## Results',
    table,
    '',
    `How each is measured: the median of ${reps} run${reps === 1 ? '' : 's'} (interleaved, fresh weights and repositories for first builds) of`,
    'the wall time of a whole `uai build` process (start-up, config loading, base image',
    'lookup, packing, upload) with DOCKER_HOST pointing nowhere; curl gets the weights file as one blob',
    'upload (`POST` + `curl -T` `PUT ?digest=`), its digest computed beforehand; bytes added are the blobs of',
    "the new manifest the registry did not hold before, plus the manifest; peak RSS is the process's maxRSS.",
    '',
  ].join('\n');
}

async function main() {
  bench.workDir = mkdtempSync(path.join(options.tmp, 'uai-bench-'));
  bench.registry = await startRegistry();
  try {
    log(`registry ${bench.registry.host}; work dir ${bench.workDir}`);
    const standin = await buildStandin({ log });
    await pushStandins({ standin, registry: bench.registry, dockerConfig: mkdtempSync(path.join(bench.workDir, 'dc-')), images: [baseImage] });
    await runScenarios();
    const doc = await resultsDoc();
    const file = options.out ?? path.join(repoRoot, 'bench', only ? 'results-partial.md' : small ? 'results-small.md' : 'results.md');
    writeFileSync(file, doc);
    log(`wrote ${path.relative(repoRoot, file)}`);
  } finally {
    await bench.registry.stop();
    rmSync(bench.workDir, { recursive: true, force: true });
  }
}

await main();
