// (d) 8 models, `--concurrency 8` against `--concurrency 1`; and the floor: the same 8 blobs sent by
// curl, all at once against one after another.
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { native } from '../lib/contenders.mjs';
import { bench, options } from '../lib/context.mjs';
import { curlUploads } from '../lib/curl.mjs';
import { settle } from '../lib/process.mjs';
import { makeProject, writeWeights } from '../lib/project.mjs';
import { fmt, fmtBytes, list, median, record } from '../lib/report.mjs';

const { sizes, reps } = options;

/** 8 fresh weights files for curl, under the work dir. */
function curlFiles(name, rep) {
  const dir = path.join(bench.workDir, `${name}-${rep}`);
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: 8 }, (_, i) => {
    const file = path.join(dir, `weights-${i}.bin`);
    writeWeights(file, sizes.parallel);
    return file;
  });
}

/** One run of each of the four contenders, in an order that turns with `rep`; pushes onto `runs`' lists. */
async function oneRound(rep, runs) {
  // Fresh projects (first builds) for each run, and fresh files for curl (a registry stores a blob
  // once: no contender may find another's bytes there), all four interleaved, the order turning.
  const sequential = makeProject({ count: 8, weightBytes: sizes.parallel });
  const parallel = makeProject({ count: 8, weightBytes: sizes.parallel });
  const curlSequential = curlFiles('curl-one', rep);
  const curlParallel = curlFiles('curl-eight', rep);
  await settle();
  const contenders = [
    async () => runs.ones.push(await native(sequential, ['--concurrency', '1'])),
    async () => runs.eights.push(await native(parallel, ['--concurrency', '8'])),
    async () => runs.curlOnes.push(await curlUploads(curlSequential, `curl-one-${rep}`, false)),
    async () => runs.curlEights.push(await curlUploads(curlParallel, `curl-eight-${rep}`, true)),
  ];
  for (let i = 0; i < contenders.length; i++) {
    await contenders[(i + rep) % contenders.length]();
    await settle();
  }
  rmSync(sequential.dir, { recursive: true, force: true });
  rmSync(parallel.dir, { recursive: true, force: true });
  for (const file of [...curlSequential, ...curlParallel]) rmSync(file, { force: true });
}

export async function scenarioD() {
  const runs = { ones: [], eights: [], curlOnes: [], curlEights: [] };
  for (let rep = 0; rep < reps; rep++) await oneRound(rep, runs);
  const { ones, eights, curlOnes, curlEights } = runs;
  const one = median(ones, (run) => run.ms);
  const eight = median(eights, (run) => run.ms);
  const ratio = eight.ms / one.ms;
  record(
    'd',
    `8 models of ${fmtBytes(sizes.parallel)}: in parallel vs one after another (medians of ${reps}: ${list(eights.map((r) => r.ms))} / ${list(ones.map((r) => r.ms))})`,
    `${fmt(eight.ms)} vs ${fmt(one.ms)} (${ratio.toFixed(2)}x)`,
    '<= 0.6x',
    ratio <= 0.6,
  );
  // The same ratio for the registry's own ingest: 8 blobs of the same size, each a curl process with
  // two requests, no build tool's start-up and no hashing in the time; all 8 at once (uai sends its
  // big blobs a few at a time, see UploadSlots). What the registry and the disk allow on this machine.
  const curlOne = median(curlOnes);
  const curlEight = median(curlEights);
  record(
    'd',
    `  the floor: 8 blobs of ${fmtBytes(sizes.parallel)} by curl (POST + \`curl -T\`, digests computed beforehand), all at once vs one after another (medians of ${reps}: ${list(curlEights)} / ${list(curlOnes)})`,
    `${fmt(curlEight)} vs ${fmt(curlOne)} (${(curlEight / curlOne).toFixed(2)}x)`,
  );
  // What bounds it: the CPU both processes need, against the CPU the machine has in that time.
  const cores = os.availableParallelism();
  const busy = (run) =>
    `uai ${run.cpu.toFixed(1)} s + registry ${run.registryCpu.toFixed(1)} s of CPU in ${fmt(run.ms)} (${((((run.cpu + run.registryCpu) * 1000) / (run.ms * cores)) * 100).toFixed(0)}% of ${cores} cores)`;
  record('d', '  CPU of those runs: in parallel / one after another', `${busy(eight)} / ${busy(one)}`);
}
